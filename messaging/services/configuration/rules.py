"""SMS rules: create, change, delete and reorder inbound and outbound rules, each audited.

Which rule applies to a message is decided in services/outbound/routing.py and services/inbound/routing.py;
here the rules are only checked and stored: DIDs and caller numbers in E.164, masks normalised, extensions
by number.
"""

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Max

from messaging.exceptions import ConfigurationInvalid
from messaging.models import AuditEntry, Extension, InboundRule, OutboundRule, SmsConfiguration, Trunk
from messaging.services.configuration.audit import changed_fields, record_change, snapshot
from messaging.services.configuration.extensions import KEEP, Keep
from messaging.services.configuration.rule_formats import (  # noqa: F401  (re-exported for forms, API and tests)
    RANGE_EXAMPLE,
    check_destination_length,
    format_did,
    normalise_caller_mask,
    normalise_destination_prefix,
    number_or_range,
    parse_did,
)

Rule = InboundRule | OutboundRule
Sender = OutboundRule.Sender
NAME_MAX_LENGTH = 64
ORDER_MAX = 2_147_483_647
ORDER_STEP = 10


def create_outbound_rule(
    *,
    user,
    name: str,
    sms_configuration: SmsConfiguration,
    extensions: Sequence[str] = (),
    destination_prefix: str = "",
    destination_length: int | None = None,
    sender: str = Sender.CONFIGURATION,
    order: int | None = None,
    enabled: bool = True,
) -> OutboundRule:
    """Create an outbound rule and audit it. No extensions means every extension; no order means last.

    Raises ConfigurationInvalid (with the field) for a bad or duplicate name, prefix or length, an
    unknown extension number, or a sender that cannot work (an extension without own DID, a trunk
    without DID); nothing is written then.
    """
    values = {
        "name": _clean_name(OutboundRule, name, rule=None),
        "sms_configuration": _clean_configuration(sms_configuration),
        "destination_prefix": normalise_destination_prefix(destination_prefix),
        "destination_length": check_destination_length(destination_length),
        "sender": sender,
        "enabled": enabled,
    }
    members = _resolve_extensions(extensions, required=False)
    _check_outbound(values, members)
    return _create(user, OutboundRule, values, members, order)


def update_outbound_rule(
    *,
    user,
    rule: OutboundRule,
    name: str | None = None,
    sms_configuration: SmsConfiguration | None = None,
    extensions: Sequence[str] | None = None,
    destination_prefix: str | None = None,
    destination_length: int | None | Keep = KEEP,
    sender: str | None = None,
    order: int | None = None,
    enabled: bool | None = None,
) -> OutboundRule:
    """Change what is given (None = unchanged; for `destination_length`, KEEP = unchanged, None = any).

    `extensions` replaces the whole list. Audits the changed fields; an edit that changes nothing writes
    no entry. Raises ConfigurationInvalid like create_outbound_rule; nothing is written then.
    """
    updates: dict = {}
    if name is not None:
        updates["name"] = _clean_name(OutboundRule, name, rule=rule)
    if sms_configuration is not None:
        updates["sms_configuration"] = _clean_configuration(sms_configuration)
    if destination_prefix is not None:
        updates["destination_prefix"] = normalise_destination_prefix(destination_prefix)
    if destination_length is not KEEP:
        updates["destination_length"] = check_destination_length(destination_length)
    if sender is not None:
        updates["sender"] = sender
    if enabled is not None:
        updates["enabled"] = enabled
    if order is not None:
        updates["order"] = _clean_order(order)
    members = _resolve_extensions(extensions, required=False) if extensions is not None else None
    merged = {
        field: updates.get(field, getattr(rule, field))
        for field in ("sms_configuration", "destination_prefix", "destination_length", "sender")
    }
    _check_outbound(merged, members if members is not None else list(rule.extensions.all()))
    return _update(user, rule, updates, members)


def create_inbound_rule(
    *,
    user,
    name: str,
    trunk: Trunk,
    did: str,
    extensions: Sequence[str],
    caller_mask: str = "",
    order: int | None = None,
    enabled: bool = True,
) -> InboundRule:
    """Create an inbound rule and audit it. No order means last.

    `did` is one DID or a range `first-last` (ascending, ends of the same length) that holds at least
    one of the trunk's DIDs; at least one extension is required. Raises ConfigurationInvalid (with the
    field) otherwise; nothing is written then.
    """
    did_start, did_end = parse_did(did)
    values = {
        "name": _clean_name(InboundRule, name, rule=None),
        "trunk": _clean_trunk(trunk),
        "did_start": did_start,
        "did_end": did_end,
        "caller_mask": normalise_caller_mask(caller_mask),
        "enabled": enabled,
    }
    _check_did_on_trunk(values["trunk"], did_start, did_end)
    members = _resolve_extensions(extensions, required=True)
    return _create(user, InboundRule, values, members, order)


def update_inbound_rule(
    *,
    user,
    rule: InboundRule,
    name: str | None = None,
    trunk: Trunk | None = None,
    did: str | None = None,
    extensions: Sequence[str] | None = None,
    caller_mask: str | None = None,
    order: int | None = None,
    enabled: bool | None = None,
) -> InboundRule:
    """Change what is given (None = unchanged); `extensions` replaces the whole list.

    Audits the changed fields; an edit that changes nothing writes no entry. Raises
    ConfigurationInvalid like create_inbound_rule; nothing is written then.
    """
    updates: dict = {}
    if name is not None:
        updates["name"] = _clean_name(InboundRule, name, rule=rule)
    if trunk is not None:
        updates["trunk"] = _clean_trunk(trunk)
    if did is not None:
        updates["did_start"], updates["did_end"] = parse_did(did)
    if caller_mask is not None:
        updates["caller_mask"] = normalise_caller_mask(caller_mask)
    if enabled is not None:
        updates["enabled"] = enabled
    if order is not None:
        updates["order"] = _clean_order(order)
    if {"trunk", "did_start"} & set(updates):
        _check_did_on_trunk(
            updates.get("trunk", rule.trunk), updates.get("did_start", rule.did_start),
            updates.get("did_end", rule.did_end),
        )
    members = _resolve_extensions(extensions, required=True) if extensions is not None else None
    return _update(user, rule, updates, members)


def delete_rule(*, user, rule: Rule) -> None:
    """Delete an inbound or outbound rule and audit it; the other rules keep their order."""
    with transaction.atomic():
        changes = {field: [value, None] for field, value in _audited(rule).items()}
        record_change(user=user, action=AuditEntry.Action.DELETE, instance=rule, changes=changes)
        rule.delete()


def move_rule(*, user, rule: Rule, direction: str) -> Rule:
    """Swap the rule with its neighbour above ("up") or below ("down") among rules of its kind.

    All rules of that kind are renumbered 10, 20, 30… in one transaction; each rule whose order
    changes gets an audit entry. Moving the first rule up or the last one down changes no position.
    """
    if direction not in ("up", "down"):
        raise ConfigurationInvalid(f"“{direction}” is not a direction: use up or down.", field="direction")
    model = type(rule)
    with transaction.atomic():
        rules = list(model.objects.select_for_update().order_by("order", "id"))
        index = next((i for i, item in enumerate(rules) if item.pk == rule.pk), None)
        if index is None:
            raise ConfigurationInvalid(f"The rule “{rule.name}” was deleted meanwhile.", code="not_found")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        for position, item in enumerate(rules, start=1):
            if item.order != position * ORDER_STEP:
                changes = {"order": [item.order, position * ORDER_STEP]}
                item.order = position * ORDER_STEP
                item.save(update_fields=["order", "updated_at"])
                record_change(user=user, action=AuditEntry.Action.UPDATE, instance=item, changes=changes)
        rule.order = next(item.order for item in rules if item.pk == rule.pk)
    return rule


def _create(user, model: type[Rule], values: dict, members: list[Extension], order: int | None) -> Rule:
    try:
        with transaction.atomic():
            _lock(members)
            values["order"] = _clean_order(order) if order is not None else _next_order(model)
            rule = model.objects.create(**values)
            rule.extensions.set(members)
            record_change(
                user=user, action=AuditEntry.Action.CREATE, instance=rule, changes=changed_fields({}, _audited(rule))
            )
    except IntegrityError as exc:
        raise _saved_concurrently() from exc
    return rule


def _update(user, rule: Rule, updates: dict, members: list[Extension] | None) -> Rule:
    try:
        with transaction.atomic():
            if members is not None:
                _lock(members)
            before = _audited(rule)
            for field, value in updates.items():
                setattr(rule, field, value)
            if members is not None:
                rule.extensions.set(members)
            changes = changed_fields(before, _audited(rule))
            if set(changes) - {"extensions"}:
                rule.save()
            if changes:
                record_change(user=user, action=AuditEntry.Action.UPDATE, instance=rule, changes=changes)
    except IntegrityError as exc:
        raise _saved_concurrently() from exc
    return rule


def _lock(members: list[Extension]) -> None:
    # delete_extension locks the extension too, so it sees this rule, or this rule sees it gone.
    locked = Extension.objects.select_for_update().filter(pk__in=[member.pk for member in members])
    found = set(locked.values_list("pk", flat=True))
    gone = [member.number for member in members if member.pk not in found]
    if gone:
        raise ConfigurationInvalid(f"Extension {gone[0]} was deleted meanwhile.", field="extensions")


def _check_did_on_trunk(trunk: Trunk, start: str, end: str) -> None:
    numbers = list(trunk.numbers.values_list("number", flat=True))
    if any(len(number) == len(start) and start <= number <= end for number in numbers):
        return
    where = f"is {start}" if start == end else f"lies in {start}-{end}"
    dids = ", ".join(numbers[:5]) + ("…" if len(numbers) > 5 else "")
    choice = f"choose one of its DIDs ({dids})" if numbers else "the trunk has no DIDs yet"
    raise ConfigurationInvalid(
        f"No DID of trunk “{trunk.name}” {where}: {choice}, or add the number to the trunk first.", field="did"
    )


def _check_outbound(values: dict, members: list[Extension]) -> None:
    sender, configuration = values["sender"], values["sms_configuration"]
    if sender not in Sender.values:
        raise ConfigurationInvalid(
            f"“{sender}” is not a sender ({', '.join(Sender.values)}).", field="sender"
        )
    if sender == Sender.EXTENSION_DID:
        without = [member.number for member in members if member.did_id is None]
        if without:
            raise ConfigurationInvalid(
                f"Extension {', '.join(without)} {'has' if len(without) == 1 else 'have'} no own DID to send from: "
                "give it one under Extensions, or choose another sender.",
                field="sender",
            )
    if sender == Sender.TRUNK_DID and not configuration.trunk.numbers.exists():
        raise ConfigurationInvalid(
            f"Trunk “{configuration.trunk.name}” of configuration “{configuration.name}” has no DID to send from.",
            field="sender",
        )
    prefix, length = values["destination_prefix"], values["destination_length"]
    if prefix and length is not None and len(prefix) - 1 > length:
        raise ConfigurationInvalid(
            f"The prefix {prefix} has {len(prefix) - 1} digits, more than the length {length}: no number would "
            "match.",
            field="destination_length",
        )


def _resolve_extensions(numbers: Sequence[str], *, required: bool) -> list[Extension]:
    wanted: list[str] = []
    for number in numbers:
        number = (number or "").strip()
        if number in wanted:
            raise ConfigurationInvalid(f"Extension {number} is listed twice.", field="extensions", code="duplicate")
        wanted.append(number)
    if required and not wanted:
        raise ConfigurationInvalid(
            "Choose at least one extension: the messages this rule matches need somewhere to go.",
            field="extensions", code="required",
        )
    found = {extension.number: extension for extension in Extension.objects.filter(number__in=wanted)}
    missing = [number for number in wanted if number not in found]
    if missing:
        raise ConfigurationInvalid(
            f"Extension {missing[0]} does not exist." if len(missing) == 1
            else f"Extensions {', '.join(missing)} do not exist.",
            field="extensions",
        )
    return [found[number] for number in wanted]


def _clean_name(model: type[Rule], name: str, *, rule: Rule | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ConfigurationInvalid("Enter a name.", field="name", code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ConfigurationInvalid(f"At most {NAME_MAX_LENGTH} characters.", field="name", code="max_length")
    others = model.objects.filter(name__iexact=name)
    if rule is not None:
        others = others.exclude(pk=rule.pk)
    if others.exists():
        raise ConfigurationInvalid(
            f"An {_kind(model)} named “{name}” already exists.", field="name", code="duplicate"
        )
    return name


def _clean_trunk(trunk) -> Trunk:
    if not isinstance(trunk, Trunk) or not Trunk.objects.filter(pk=trunk.pk).exists():
        raise ConfigurationInvalid("Choose one of this tenant's trunks.", field="trunk")
    return trunk


def _clean_configuration(configuration) -> SmsConfiguration:
    if not isinstance(configuration, SmsConfiguration) or not SmsConfiguration.objects.filter(
        pk=configuration.pk
    ).exists():
        raise ConfigurationInvalid("Choose one of this tenant's SMS configurations.", field="sms_configuration")
    return configuration


def _clean_order(order: int) -> int:
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= ORDER_MAX:
        raise ConfigurationInvalid("The order is a whole number from 0 up; lower goes first.", field="order")
    return order


def _next_order(model: type[Rule]) -> int:
    highest = model.objects.aggregate(highest=Max("order"))["highest"] or 0
    return min(highest // ORDER_STEP * ORDER_STEP + ORDER_STEP, ORDER_MAX)


def _audited(rule: Rule) -> dict:
    values = snapshot(rule)
    if isinstance(rule, InboundRule):
        values["trunk"] = rule.trunk.name
    else:
        values["sms_configuration"] = rule.sms_configuration.name
    values["extensions"] = [extension.number for extension in rule.extensions.all()] if rule.pk else []
    return values


def _kind(model: type[Rule]) -> str:
    return "inbound rule" if model is InboundRule else "outbound rule"


def _saved_concurrently() -> ConfigurationInvalid:
    return ConfigurationInvalid(
        "Someone saved a rule with the same name at the same moment; check and try again.", code="conflict"
    )
