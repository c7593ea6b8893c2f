"""Extensions: create, change, delete, each written to the tenant's audit log.

An extension is where inbound messages land and who may send; rules name extensions by number.
"""

import re
from dataclasses import dataclass, field
from enum import Enum

from django.db import IntegrityError, transaction

from messaging import numbers
from messaging.exceptions import ConfigurationInvalid, ExtensionInUse
from messaging.models import AuditEntry, Extension, InboundRule, OutboundRule, PhoneNumber
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.configuration.audit import changed_fields, record_change, snapshot

EXTENSION_NUMBER = re.compile(r"^\d{2,8}$")
NAME_MAX_LENGTH = Extension._meta.get_field("name").max_length
SendSms = Extension.SendSms


class Keep(Enum):
    """Marks an argument whose None is a real value (no DID): leave the stored value as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class ExtensionUsage:
    """The rules an extension is in, split by what deleting it would do to them."""

    sole_inbound: list[InboundRule] = field(default_factory=list)
    sole_outbound: list[OutboundRule] = field(default_factory=list)
    shared_inbound: list[InboundRule] = field(default_factory=list)
    shared_outbound: list[OutboundRule] = field(default_factory=list)

    @property
    def blocks_delete(self) -> bool:
        return bool(self.sole_inbound or self.sole_outbound)

    @property
    def loses_extension(self) -> list[InboundRule | OutboundRule]:
        return [*self.shared_inbound, *self.shared_outbound]


def normalise_extension_number(text: str) -> str:
    """` 101 ` → `101`. Raises ConfigurationInvalid (field "number") unless it is 2–8 digits."""
    number = (text or "").strip()
    if not number:
        raise ConfigurationInvalid("Enter the extension number, for example 101.", field="number", code="required")
    if not EXTENSION_NUMBER.match(number):
        raise ConfigurationInvalid(
            f"“{number}” is not an extension number: use 2 to 8 digits, for example 101.", field="number"
        )
    return number


def normalise_sender_id(text: str) -> str:
    """messaging.numbers.normalise_sender_id for an extension's chosen sender ID, which is required.

    Raises ConfigurationInvalid (field "sender_id") for an empty or bad one.
    """
    if not (text or "").strip():
        raise ConfigurationInvalid(
            f"Enter the sender ID this extension sends from: {numbers.SENDER_ID_FORMS}.",
            field="sender_id", code="required",
        )
    try:
        return numbers.normalise_sender_id(text)
    except InvalidNumber as exc:
        raise ConfigurationInvalid(str(exc), field="sender_id") from exc


def create_extension(
    *,
    user,
    number: str,
    name: str = "",
    did: str | None = None,
    send_sms: str = SendSms.ALLOWED,
    sender_id: str = "",
) -> Extension:
    """Create an extension and audit it.

    `did` is one of this tenant's DIDs in E.164 (or None), and the own DID of no other extension.
    `sender_id` is required with "allowed with a chosen sender ID" and must be empty otherwise.
    Raises ConfigurationInvalid (with the field) for any broken rule; nothing is written then.
    """
    values = {
        "number": _clean_number(number, extension=None),
        "name": _clean_name(name),
        **_clean_sending(send_sms, sender_id),
    }
    try:
        with transaction.atomic():
            values["did"] = _resolve_did(did, extension=None)
            extension = Extension.objects.create(**values)
            record_change(
                user=user, action=AuditEntry.Action.CREATE, instance=extension,
                changes=changed_fields({}, _audited(extension)),
            )
    except IntegrityError as exc:
        raise _saved_concurrently() from exc
    return extension


def update_extension(
    *,
    user,
    extension: Extension,
    number: str | None = None,
    name: str | None = None,
    did: str | None | Keep = KEEP,
    send_sms: str | None = None,
    sender_id: str | None = None,
) -> Extension:
    """Change what is given (None = unchanged; for `did`, KEEP = unchanged and None = no own DID).

    Moving away from "allowed with a chosen sender ID" without giving a sender ID clears the stored one.
    Audits the changed fields; an edit that changes nothing writes no entry. Raises
    ConfigurationInvalid like create_extension, and (field "did") when the DID is taken away while an
    outbound rule sends from this extension's DID; nothing is written then.
    """
    updates: dict = {}
    if number is not None:
        updates["number"] = _clean_number(number, extension=extension)
    if name is not None:
        updates["name"] = _clean_name(name)
    if send_sms is not None or sender_id is not None:
        mode = send_sms if send_sms is not None else extension.send_sms
        if sender_id is None:
            sender_id = extension.sender_id if mode == SendSms.ALLOWED_WITH_SENDER_ID else ""
        updates |= _clean_sending(mode, sender_id)
    try:
        with transaction.atomic():
            if did is not KEEP:
                updates["did"] = _resolve_did(did, extension=extension)
                if updates["did"] is None and extension.did_id is not None:
                    _refuse_if_sender_did_needed(extension)
            before = _audited(extension)
            for attribute, value in updates.items():
                setattr(extension, attribute, value)
            changes = changed_fields(before, _audited(extension))
            if changes:
                extension.save()
                record_change(user=user, action=AuditEntry.Action.UPDATE, instance=extension, changes=changes)
    except IntegrityError as exc:
        raise _saved_concurrently() from exc
    return extension


def find_usage(*, extension: Extension) -> ExtensionUsage:
    """Which rules name the extension, and for which of them it is the only extension."""
    usage = ExtensionUsage()
    for rule in InboundRule.objects.filter(extensions=extension).prefetch_related("extensions"):
        (usage.sole_inbound if len(rule.extensions.all()) == 1 else usage.shared_inbound).append(rule)
    for rule in OutboundRule.objects.filter(extensions=extension).prefetch_related("extensions"):
        (usage.sole_outbound if len(rule.extensions.all()) == 1 else usage.shared_outbound).append(rule)
    return usage


def delete_extension(*, user, extension: Extension) -> list[InboundRule | OutboundRule]:
    """Delete the extension, take it out of the rules that name it, and audit both.

    Returns the rules it was taken out of. Raises ExtensionInUse (409)
    naming the inbound rules whose only destination it is and the outbound rules whose only extension it
    is (without it they would route nowhere, or apply to every extension); nothing is deleted then.
    """
    with transaction.atomic():
        # Rule writes lock the extensions they name, so no rule can come to depend on this one meanwhile.
        Extension.objects.select_for_update().filter(pk=extension.pk).first()
        usage = find_usage(extension=extension)
        if usage.blocks_delete:
            raise _in_use(extension, usage)
        for rule in usage.loses_extension:
            before = [member.number for member in rule.extensions.all()]
            after = [number for number in before if number != extension.number]
            record_change(
                user=user, action=AuditEntry.Action.UPDATE, instance=rule, changes={"extensions": [before, after]}
            )
        changes = {attribute: [value, None] for attribute, value in _audited(extension).items()}
        record_change(user=user, action=AuditEntry.Action.DELETE, instance=extension, changes=changes)
        extension.delete()
    return usage.loses_extension


def _clean_number(number: str, *, extension: Extension | None) -> str:
    number = normalise_extension_number(number)
    others = Extension.objects.filter(number=number)
    if extension is not None:
        others = others.exclude(pk=extension.pk)
    if others.exists():
        raise ConfigurationInvalid(f"Extension {number} already exists.", field="number", code="duplicate")
    return number


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ConfigurationInvalid(f"At most {NAME_MAX_LENGTH} characters.", field="name", code="max_length")
    return name


def _clean_sending(send_sms: str, sender_id: str) -> dict:
    if send_sms not in SendSms.values:
        raise ConfigurationInvalid(
            f"“{send_sms}” is not a Send SMS/MMS setting ({', '.join(SendSms.values)}).", field="send_sms"
        )
    if send_sms == SendSms.ALLOWED_WITH_SENDER_ID:
        return {"send_sms": send_sms, "sender_id": normalise_sender_id(sender_id)}
    if (sender_id or "").strip():
        raise ConfigurationInvalid(
            "A sender ID is only used with “Allowed with a chosen sender ID”: choose that, or leave the sender "
            "ID empty.",
            field="sender_id",
        )
    return {"send_sms": send_sms, "sender_id": ""}


def _resolve_did(did: str | None, *, extension: Extension | None) -> PhoneNumber | None:
    if did is None or not did.strip():
        return None
    try:
        did = to_e164(did)
    except InvalidNumber as exc:
        raise ConfigurationInvalid(str(exc), field="did") from exc
    # Locked so two extensions saved at once cannot both take the same DID.
    number = PhoneNumber.objects.select_for_update().filter(number=did).select_related("trunk").first()
    if number is None:
        raise ConfigurationInvalid(
            f"{did} is not a DID of this tenant: add it to a trunk first, or choose one of the trunks' DIDs.",
            field="did",
        )
    holders = Extension.objects.filter(did=number)
    if extension is not None:
        holders = holders.exclude(pk=extension.pk)
    holder = holders.first()
    if holder is not None:
        raise ConfigurationInvalid(
            f"{did} is already the own DID of extension {_label(holder)}.", field="did", code="duplicate"
        )
    return number


def _refuse_if_sender_did_needed(extension: Extension) -> None:
    rules = list(
        extension.outbound_rules.filter(sender=OutboundRule.Sender.EXTENSION_DID).values_list("name", flat=True)
    )
    if rules:
        raise ConfigurationInvalid(
            f"{_rule_words('Outbound rule', rules)} {'sends' if len(rules) == 1 else 'send'} from this extension's "
            "own DID: keep a DID, or change the rule's sender first.",
            field="did",
        )


def _audited(extension: Extension) -> dict:
    values = snapshot(extension)
    values["did"] = extension.did.number if extension.did_id else None
    return values


def _label(extension: Extension) -> str:
    return f"{extension.number} “{extension.name}”" if extension.name else extension.number


def _rule_words(kind: str, names: list[str]) -> str:
    quoted = ", ".join(f"“{name}”" for name in names)
    return f"{kind}{'s' if len(names) > 1 else ''} {quoted}"


def _in_use(extension: Extension, usage: ExtensionUsage) -> ExtensionInUse:
    reasons = []
    if usage.sole_inbound:
        reasons.append(
            f"the only destination of {_rule_words('inbound rule', [rule.name for rule in usage.sole_inbound])}"
        )
    if usage.sole_outbound:
        names = [rule.name for rule in usage.sole_outbound]
        reasons.append(
            f"the only extension of {_rule_words('outbound rule', names)} (without it the rule would apply to "
            "every extension)"
        )
    return ExtensionInUse(
        f"Extension {_label(extension)} is {' and '.join(reasons)}. Give those rules another extension or delete "
        "them first; nothing was deleted."
    )


def _saved_concurrently() -> ConfigurationInvalid:
    return ConfigurationInvalid(
        "Someone saved the same extension number or DID at the same moment; check and try again.",
        code="conflict",
    )
