"""Outbound routing: which rule, configuration and sender number a send from an extension uses."""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.db import connection

from messaging.exceptions import MessageInvalid, SendRefused
from messaging.models import Extension, OutboundRule, PhoneNumber, SmsConfiguration, Trunk
from messaging.numbers import (
    InvalidNumber,
    alphanumeric_refused_region,
    is_alphanumeric_sender_id,
    normalise_sender_id,
    to_e164,
)
from messaging.services.outbound.rows import Columns

SENDER_LABELS = dict(OutboundRule.Sender.choices)
_UNKNOWN = object()


@dataclass(frozen=True)
class OutboundRoute:
    rule: OutboundRule
    configuration: SmsConfiguration
    from_number: str
    to: list[str]


def normalise_destinations(to: Iterable[str]) -> list[str]:
    """Each destination in E.164, duplicates dropped, order kept. Raises MessageInvalid naming a bad one."""
    if isinstance(to, str):
        to = [to]
    numbers: list[str] = []
    for raw in to:
        try:
            number = to_e164(raw)
        except InvalidNumber as exc:
            raise MessageInvalid(str(exc), field="to") from exc
        if number not in numbers:
            numbers.append(number)
    if not numbers:
        raise MessageInvalid("Enter at least one recipient number.", field="to")
    return numbers


def outbound_route(*, extension: Extension, to: Iterable[str], from_number: str | None = None) -> OutboundRoute:
    """The first enabled rule (by order, then id) for this extension whose destination pattern matches
    every recipient, its configuration, and the number to send from.

    Raises MessageInvalid for a recipient that is not a phone number, and SendRefused, with a reason a
    user can read, when the extension may not send, no rule matches, the rule's configuration cannot
    send, or the rule's sender number does not exist.

    `from_number` asks for another sender (a reply from a conversation's number): allowed when it is the
    rule's own sender or a DID of the trunk the rule's configuration sends through; SendRefused otherwise.
    """
    numbers = normalise_destinations(to)
    if extension.send_sms == Extension.SendSms.NOT_ALLOWED:
        raise SendRefused(f"Extension {extension.number} may not send SMS/MMS.", code="not_allowed",
                          field="from_extension")
    rules = enabled_rules_for(extension)
    rule = next((rule for rule in rules if all(matches(rule, number) for number in numbers)), None)
    if rule is None:
        raise _no_rule(extension, numbers, rules)
    configuration = rule.sms_configuration
    check_configuration_sends(configuration)
    sender = sender_number(rule, extension)
    if from_number and from_number != sender:
        check_trunk_holds(rule, from_number)
        sender = from_number
    check_sender_reaches(sender, numbers)
    return OutboundRoute(rule=rule, configuration=configuration, from_number=sender, to=numbers)


def enabled_rules_for(extension: Extension) -> list[OutboundRule]:
    """The enabled rules for every extension or naming this one, by order then id, each with its
    configuration and trunk, and the trunk's first DID (the default sender) as `trunk_first_number`.
    Hand-written (rows.py): compiling this queryset was a quarter of queue_message's CPU."""
    rule_columns, config_columns, trunk_columns, sql = _rules_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"extension": extension.pk})
        rows = cursor.fetchall()
    rules = []
    for row in rows:
        rule = rule_columns.build(row)
        rule.sms_configuration = config_columns.build(row, len(rule_columns))
        rule.sms_configuration.trunk = trunk_columns.build(row, len(rule_columns) + len(config_columns))
        rule.trunk_first_number = row[-1]
        rules.append(rule)
    return rules


@cache
def _rules_query() -> tuple[Columns, Columns, Columns, str]:
    rule = Columns(OutboundRule, "r")
    configuration = Columns(SmsConfiguration, "c", exclude=("callback_password",))
    trunk = Columns(Trunk, "t")
    links = OutboundRule.extensions.through._meta
    rule_link = OutboundRule.extensions.field.m2m_column_name()
    extension_link = OutboundRule.extensions.field.m2m_reverse_name()
    sql = (
        f"SELECT {rule.sql}, {configuration.sql}, {trunk.sql}, "
        f'(SELECT p.number FROM "{PhoneNumber._meta.db_table}" p WHERE p.trunk_id = t.id ORDER BY p.number LIMIT 1) '
        f'FROM "{OutboundRule._meta.db_table}" r '
        f'JOIN "{SmsConfiguration._meta.db_table}" c ON c.id = r.sms_configuration_id '
        f'JOIN "{Trunk._meta.db_table}" t ON t.id = c.trunk_id '
        f'WHERE r.enabled AND (NOT EXISTS (SELECT 1 FROM "{links.db_table}" x WHERE x."{rule_link}" = r.id) '
        f'OR EXISTS (SELECT 1 FROM "{links.db_table}" x WHERE x."{rule_link}" = r.id '
        f'AND x."{extension_link}" = %(extension)s)) '
        f'ORDER BY r."order", r.id'
    )
    return rule, configuration, trunk, sql


def check_trunk_holds(rule: OutboundRule, number: str) -> None:
    """Raise SendRefused unless `number` is a DID of the trunk the rule's configuration sends through."""
    configuration = rule.sms_configuration
    if not PhoneNumber.objects.filter(trunk_id=configuration.trunk_id, number=number).exists():
        raise SendRefused(
            f"Cannot send from {number}: the outbound rule {rule.name!r} sends through SMS configuration "
            f"{configuration.name}, whose trunk {configuration.trunk.name} does not hold {number}. Add the number "
            "to that trunk or an outbound rule whose configuration's trunk holds it.",
            code="sender_not_on_trunk", field="from_extension",
        )


def matches(rule: OutboundRule, number: str) -> bool:
    """The rule's prefix (with or without its +) starts the number, and its length (digits after +) fits."""
    prefix = (rule.destination_prefix or "").strip().replace(" ", "")
    if prefix and not prefix.startswith("+"):
        prefix = "+" + prefix
    if prefix and not number.startswith(prefix):
        return False
    return rule.destination_length is None or len(number) - 1 == rule.destination_length


def check_configuration_sends(configuration: SmsConfiguration) -> None:
    """Raise SendRefused when the configuration is disabled or uses retired legacy credentials."""
    if not configuration.enabled:
        raise SendRefused(f"SMS configuration {configuration.name} is disabled: it sends nothing.",
                          code="configuration_disabled")
    if configuration.legacy_stopped_working:
        raise SendRefused(
            f"SMS configuration {configuration.name} cannot send. {configuration.legacy_cutoff_notice()}",
            code="legacy_retired",
        )


def check_sender_reaches(sender: str, numbers: list[str]) -> None:
    """Raise SendRefused when `sender` is an alphanumeric sender ID and a recipient is where Bandwidth takes
    none (the US, Canada: messaging.numbers), so the refusal comes before Bandwidth is called."""
    if not is_alphanumeric_sender_id(sender):
        return
    refused = {number: region for number in numbers if (region := alphanumeric_refused_region(number))}
    if refused:
        places = " and ".join(sorted(set(refused.values())))
        raise SendRefused(
            f"Cannot send from the alphanumeric sender ID “{sender}” to {', '.join(refused)}: Bandwidth does not "
            f"deliver alphanumeric sender IDs to {places}. Send to such numbers through an outbound rule whose "
            "sender is a phone number (a DID of the trunk).", code="alphanumeric_sender_refused", field="to",
        )


def sender_number(rule: OutboundRule, extension: Extension) -> str:
    """The `from` number: the extension's own sender ID when it may choose one, else what the rule says."""
    if extension.send_sms == Extension.SendSms.ALLOWED_WITH_SENDER_ID and extension.sender_id.strip():
        return _as_sender(extension.sender_id, f"Extension {extension.number}'s sender ID")
    configuration = rule.sms_configuration
    if rule.sender == OutboundRule.Sender.EXTENSION_DID:
        if extension.did_id is None:
            raise SendRefused(
                f"The rule {rule.name!r} says '{SENDER_LABELS[rule.sender]}' but extension {extension.number} "
                "has no DID.", code="no_sender",
            )
        return extension.did.number
    if rule.sender == OutboundRule.Sender.CONFIGURATION and configuration.sender_id.strip():
        return _as_sender(
            configuration.sender_id, f"SMS configuration {configuration.name}'s sender ID", alphanumeric=True
        )
    first = getattr(rule, "trunk_first_number", _UNKNOWN)
    if first is _UNKNOWN:  # a rule not loaded by outbound_route
        first = getattr(configuration.trunk.first_number, "number", None)
    if first is None:
        raise SendRefused(
            f"The rule {rule.name!r} sends from the trunk's DID, but trunk {configuration.trunk.name} has no DID "
            f"(and SMS configuration {configuration.name} has no sender ID).", code="no_sender",
        )
    return first


def _as_sender(value: str, what: str, *, alphanumeric: bool = False) -> str:
    try:
        return normalise_sender_id(value, alphanumeric=alphanumeric)
    except InvalidNumber as exc:
        raise SendRefused(f"{what} {value.strip()!r} cannot be used: {exc}", code="no_sender") from exc


def _no_rule(extension: Extension, numbers: list[str], rules: list[OutboundRule]) -> SendRefused:
    unmatched = [number for number in numbers if not any(matches(rule, number) for rule in rules)]
    if unmatched:
        message = f"No outbound rule lets extension {extension.number} send to {', '.join(unmatched)}."
    else:
        message = (f"No single outbound rule lets extension {extension.number} send to all of "
                   f"{', '.join(numbers)}: send to them separately.")
    return SendRefused(message, code="no_rule", field="to")
