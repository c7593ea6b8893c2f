"""Trunks and their DIDs: create, change, delete, each written to the tenant's audit log."""

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from messaging.exceptions import ConfigurationInvalid, TrunkInUse
from messaging.models import AuditEntry, PhoneNumber, Trunk
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.configuration.audit import changed_fields, record_change, snapshot

NAME_MAX_LENGTH = Trunk._meta.get_field("name").max_length
HOST_MAX_LENGTH = Trunk._meta.get_field("host").max_length
CAMPAIGN_ID = re.compile(r"^[A-Z0-9_-]{1,32}$")
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
TenDlc = PhoneNumber.TenDlcStatus


@dataclass(frozen=True)
class NumberEntry:
    """One DID as the caller gives it. None means: keep what the trunk has, or use the default."""

    number: str
    ten_dlc_status: str | None = None
    campaign_id: str | None = None


def normalise_host(text: str) -> str:
    """`SIP.Example.com.` → `sip.example.com`; `10.0.0.2 ,2001:DB8::1` → `10.0.0.2, 2001:db8::1`.

    One host name, or one or more comma-separated IPv4/IPv6 addresses (duplicates dropped).
    Raises ConfigurationInvalid (field "host") for anything else.
    """
    raw = (text or "").strip()
    if not raw:
        raise ConfigurationInvalid("Enter Bandwidth's SIP host name or its IP addresses.", field="host")
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) == 1 and not _is_ip(parts[0]):
        return _normalise_host_name(parts[0])
    addresses: list[str] = []
    for part in parts:
        if not _is_ip(part):
            raise ConfigurationInvalid(
                f"“{part}” is not an IPv4 or IPv6 address. Give one host name, or IP addresses separated "
                "by commas.",
                field="host",
            )
        address = str(ipaddress.ip_address(part.strip("[]")))
        if address not in addresses:
            addresses.append(address)
    normalised = ", ".join(addresses)
    if len(normalised) > HOST_MAX_LENGTH:
        raise ConfigurationInvalid(f"Too many addresses: at most {HOST_MAX_LENGTH} characters.", field="host")
    return normalised


def create_trunk(
    *, user, name: str, host: str, enabled: bool = True, numbers: Sequence[NumberEntry | str] = ()
) -> Trunk:
    """Create a trunk with its DIDs, stored in E.164, and audit it.

    A DID without a 10DLC status gets "not registered" when it is a US long code, else "not applicable".
    Raises ConfigurationInvalid (with the field) for a bad or duplicate name, host or number;
    nothing is written then.
    """
    name = _clean_name(name, trunk=None)
    host = normalise_host(host)
    wanted = _resolve_numbers(numbers, trunk=None)
    try:
        with transaction.atomic():
            trunk = Trunk.objects.create(name=name, host=host, enabled=enabled)
            _write_numbers(trunk, wanted)
            changes = changed_fields({}, snapshot(trunk))
            changes["numbers"] = [[], _describe_numbers(trunk)]
            record_change(user=user, action=AuditEntry.Action.CREATE, instance=trunk, changes=changes)
    except IntegrityError as exc:
        raise _saved_concurrently() from exc
    return trunk


def update_trunk(
    *,
    user,
    trunk: Trunk,
    name: str | None = None,
    host: str | None = None,
    enabled: bool | None = None,
    numbers: Sequence[NumberEntry | str] | None = None,
) -> Trunk:
    """Change what is given (None = unchanged); `numbers` replaces the trunk's whole list of DIDs.

    A DID the trunk already has keeps its 10DLC status and campaign unless new ones are given.
    Audits the changed fields (numbers as before/after lists); an edit that changes nothing writes
    no entry. Raises ConfigurationInvalid like create_trunk; nothing is written then.
    """
    updates = {}
    if name is not None:
        updates["name"] = _clean_name(name, trunk=trunk)
    if host is not None:
        updates["host"] = normalise_host(host)
    if enabled is not None:
        updates["enabled"] = enabled
    wanted = _resolve_numbers(numbers, trunk=trunk) if numbers is not None else None
    try:
        with transaction.atomic():
            before, numbers_before = snapshot(trunk), _describe_numbers(trunk)
            for field, value in updates.items():
                setattr(trunk, field, value)
            changes = changed_fields(before, snapshot(trunk))
            if changes:
                trunk.save()
            if wanted is not None:
                _write_numbers(trunk, wanted)
                numbers_after = _describe_numbers(trunk)
                if numbers_after != numbers_before:
                    changes["numbers"] = [numbers_before, numbers_after]
            if changes:
                record_change(user=user, action=AuditEntry.Action.UPDATE, instance=trunk, changes=changes)
    except IntegrityError as exc:
        raise _saved_concurrently() from exc
    return trunk


def delete_trunk(*, user, trunk: Trunk) -> None:
    """Delete the trunk and its DIDs, and audit it.

    Raises TrunkInUse naming the SMS configurations that use the trunk; nothing is deleted then.
    """
    holders = [configuration.name for configuration in trunk.sms_configurations.order_by("name")]
    if holders:
        raise _in_use(trunk, holders)
    try:
        with transaction.atomic():
            changes = {field: [value, None] for field, value in snapshot(trunk).items()}
            changes["numbers"] = [_describe_numbers(trunk), []]
            record_change(user=user, action=AuditEntry.Action.DELETE, instance=trunk, changes=changes)
            trunk.delete()
    except ProtectedError as exc:
        # A configuration took the trunk between the check and the delete.
        raise _in_use(trunk, sorted(str(obj) for obj in exc.protected_objects)) from exc


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _normalise_host_name(text: str) -> str:
    host = text.lower().removesuffix(".")
    labels = host.split(".")
    # A dotted all-digit "host name" is a mistyped IPv4 address, so the last label needs a letter.
    valid = (
        len(host) <= 253
        and len(labels) >= 2
        and all(HOST_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )
    if not valid:
        raise ConfigurationInvalid(
            f"“{text}” is neither a host name (like sip.example.com, without a port) nor an IPv4 or IPv6 "
            "address.",
            field="host",
        )
    return host


def _clean_name(name: str, *, trunk: Trunk | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ConfigurationInvalid("Enter a name.", field="name", code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ConfigurationInvalid(f"At most {NAME_MAX_LENGTH} characters.", field="name", code="max_length")
    others = Trunk.objects.filter(name__iexact=name)
    if trunk is not None:
        others = others.exclude(pk=trunk.pk)
    if others.exists():
        raise ConfigurationInvalid(f"A trunk named “{name}” already exists.", field="name", code="duplicate")
    return name


def _resolve_numbers(entries: Sequence[NumberEntry | str], *, trunk: Trunk | None) -> list[NumberEntry]:
    parsed = [_parse_entry(entry) for entry in entries]
    seen: set[str] = set()
    for entry in parsed:
        if entry.number in seen:
            raise ConfigurationInvalid(f"{entry.number} is listed twice.", field="numbers", code="duplicate")
        seen.add(entry.number)
    taken = PhoneNumber.objects.filter(number__in=seen).select_related("trunk").order_by("number")
    if trunk is not None:
        taken = taken.exclude(trunk=trunk)
    clashes = [f"{number.number} already belongs to trunk “{number.trunk.name}”." for number in taken]
    if clashes:
        raise ConfigurationInvalid(" ".join(clashes), field="numbers", code="duplicate")
    current = {number.number: number for number in trunk.numbers.all()} if trunk is not None else {}
    return [_with_defaults(entry, current.get(entry.number)) for entry in parsed]


def _parse_entry(entry: NumberEntry | str) -> NumberEntry:
    if isinstance(entry, str):
        entry = NumberEntry(number=entry)
    try:
        number = to_e164(entry.number)
    except InvalidNumber as exc:
        raise ConfigurationInvalid(str(exc), field="numbers") from exc
    if entry.ten_dlc_status is not None and entry.ten_dlc_status not in TenDlc.values:
        raise ConfigurationInvalid(
            f"{number}: “{entry.ten_dlc_status}” is not a 10DLC status ({', '.join(TenDlc.values)}).",
            field="numbers",
        )
    campaign_id = entry.campaign_id.strip().upper() if entry.campaign_id is not None else None
    if campaign_id and not CAMPAIGN_ID.match(campaign_id):
        raise ConfigurationInvalid(
            f"{number}: “{entry.campaign_id}” is not a campaign ID (letters, digits, - and _, at most 32).",
            field="numbers",
        )
    return NumberEntry(number=number, ten_dlc_status=entry.ten_dlc_status, campaign_id=campaign_id)


def _with_defaults(entry: NumberEntry, existing: PhoneNumber | None) -> NumberEntry:
    status, campaign_id = entry.ten_dlc_status, entry.campaign_id
    if status is None:
        if existing is not None:
            status = existing.ten_dlc_status
        else:
            is_us_long_code = PhoneNumber(number=entry.number).is_us_long_code
            status = TenDlc.NOT_REGISTERED if is_us_long_code else TenDlc.NOT_APPLICABLE
    if campaign_id is None:
        campaign_id = existing.campaign_id if existing is not None else ""
    return NumberEntry(number=entry.number, ten_dlc_status=status, campaign_id=campaign_id)


def _write_numbers(trunk: Trunk, wanted: list[NumberEntry]) -> None:
    current = {number.number: number for number in trunk.numbers.all()}
    trunk.numbers.exclude(number__in=[entry.number for entry in wanted]).delete()
    for entry in wanted:
        number = current.get(entry.number)
        if number is None:
            PhoneNumber.objects.create(
                trunk=trunk,
                number=entry.number,
                ten_dlc_status=entry.ten_dlc_status,
                campaign_id=entry.campaign_id,
            )
        elif (number.ten_dlc_status, number.campaign_id) != (entry.ten_dlc_status, entry.campaign_id):
            # Typed over what Bandwidth said: the admin's values count until the next refresh reads Bandwidth.
            number.ten_dlc_status, number.campaign_id = entry.ten_dlc_status, entry.campaign_id
            number.registration_source = PhoneNumber.RegistrationSource.TYPED
            number.save(update_fields=["ten_dlc_status", "campaign_id", "registration_source"])


def _describe_numbers(trunk: Trunk) -> list[str]:
    """The DIDs as the audit log shows them: `+19195550100 registered CABC123`."""
    return [
        " ".join(part for part in (number.number, number.ten_dlc_status, number.campaign_id) if part)
        for number in PhoneNumber.objects.filter(trunk=trunk).order_by("number")
    ]


def _in_use(trunk: Trunk, names: list[str]) -> TrunkInUse:
    quoted = ", ".join(f"“{name}”" for name in names)
    if len(names) == 1:
        holders, them = f"SMS configuration {quoted} uses", "it"
    else:
        holders, them = f"SMS configurations {quoted} use", "them"
    return TrunkInUse(
        f"{holders} trunk “{trunk.name}”: point {them} at another trunk or delete {them} first; "
        "nothing was deleted."
    )


def _saved_concurrently() -> ConfigurationInvalid:
    return ConfigurationInvalid(
        "Someone saved the same trunk name or number at the same moment; check and try again.",
        code="conflict",
    )
