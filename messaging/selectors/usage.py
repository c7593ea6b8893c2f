"""Usage for billing: what a tenant's numbers and extensions sent and received in a month (docs/usage.md).

What is counted, in short (the reasons are in docs/usage.md):
- A message belongs to the month its `created_at` falls in, in the zone usage_time_zone() names.
- Outbound is counted per recipient (Bandwidth bills each recipient of a group message). A recipient is
  *sent* when Bandwidth accepted the message (it gave it an id), and *failed* when its status is failed,
  whether Bandwidth refused the message or reported the delivery failed (then it is in both columns).
- Inbound is counted per receiving number of the tenant (a group message to two of our numbers reaches
  Bandwidth's bill twice), under the extensions it was routed to.
- MMS: a message with media, or with more than one recipient (Bandwidth carries group messages as MMS).
  Segments are counted for SMS only: an MMS is billed per message.

One SQL statement per tenant schema; the cross-tenant report puts many schemas' statements into one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from messaging.exceptions import UsageMonthInvalid
from messaging.models import Extension, Message, MessageMedia, MessageRecipient, PhoneNumber

MONTH_FORMAT = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only, not "２０２６"
# Schemas per statement in the cross-tenant report: one round trip for this many tenants, and a statement
# PostgreSQL still plans in a few milliseconds (bench/usage_tenants.py).
SCHEMAS_PER_STATEMENT = 50
# The statement's cost estimate at a million messages sets PostgreSQL's JIT compiling it: 3 s of compiling
# (inlining and optimisation) for an 8 s run, then nothing gained. For this transaction only.
NO_JIT = "SET LOCAL jit = off"


def usage_time_zone(tenant=None) -> ZoneInfo:
    """The zone whose calendar months the usage of `tenant` is counted in: the tenant's own (its Settings
    screen), else settings.TIME_ZONE, as on its screens."""
    return ZoneInfo(getattr(tenant, "time_zone", "") or settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None, *, zone: ZoneInfo) -> Month:
        """`YYYY-MM`; empty or missing: the current month in `zone`. Raises UsageMonthInvalid."""
        if text is None or not str(text).strip():
            now = timezone.now().astimezone(zone)
            return cls(now.year, now.month)
        found = MONTH_FORMAT.fullmatch(str(text).strip())
        if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
            raise UsageMonthInvalid(f"“{str(text)[:20]}” is not a month: use YYYY-MM, e.g. 2026-11.",
                                    field="month")
        return cls(int(found[1]), int(found[2]))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def start(self, zone: ZoneInfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=zone)

    def end(self, zone: ZoneInfo) -> datetime:
        """The first instant of the next month (excluded)."""
        return self.next().start(zone) if self.year < 9999 or self.month < 12 else datetime.max.replace(tzinfo=zone)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        if self.month == 1:
            return Month(max(self.year - 1, 1), 12) if self.year > 1 else self
        return Month(self.year, self.month - 1)


@dataclass
class Counts:
    sms_sent: int = 0
    sms_sent_segments: int = 0
    mms_sent: int = 0
    sms_received: int = 0
    sms_received_segments: int = 0
    mms_received: int = 0
    sms_failed: int = 0
    mms_failed: int = 0

    def add(self, other: Counts) -> None:
        for name in COUNT_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_NAMES}


COUNT_NAMES = tuple(f.name for f in fields(Counts))
# The columns' headings on the screens (the CSV and the API use COUNT_NAMES).
COUNT_LABELS = {
    "sms_sent": "SMS sent", "sms_sent_segments": "SMS segments sent", "mms_sent": "MMS sent",
    "sms_received": "SMS received", "sms_received_segments": "SMS segments received", "mms_received": "MMS received",
    "sms_failed": "SMS failed", "mms_failed": "MMS failed",
}


@dataclass
class UsageRow(Counts):
    """One sending or receiving number and the extension(s) behind it (outbound: the sender; inbound: the
    extensions the message was routed to, comma-separated, empty when unrouted)."""

    number: str = ""
    extension: str = ""


@dataclass
class TenantUsage(Counts):
    tenant: object = field(default=None)


def list_usage(*, month: Month, zone: ZoneInfo) -> list[UsageRow]:
    """The current tenant's usage in `month`: a row per number and extension(s), ordered by number."""
    start, end = month.start(zone), month.end(zone)
    query = sql.SQL("{units} SELECT number, extension, {counts} FROM units GROUP BY number, extension "
                    "ORDER BY number, extension").format(units=_units(None), counts=_COUNTS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(NO_JIT)
        cursor.execute(query.as_string(cursor.connection), {"start": start, "end": end})
        return [UsageRow(*row[2:], number=row[0], extension=row[1]) for row in cursor.fetchall()]


def total(rows: Iterable[Counts]) -> Counts:
    summed = Counts()
    for row in rows:
        summed.add(row)
    return summed


def list_tenant_usage(*, month: Month, tenants: Iterable) -> list[TenantUsage]:
    """Each tenant's totals for `month` (each in its own zone), in the order given, from the public schema.

    SCHEMAS_PER_STATEMENT schemas' statements travel as one UNION ALL: a round trip per batch, not per tenant.
    """
    tenants = list(tenants)
    totals: dict[int, TenantUsage] = {}
    for first in range(0, len(tenants), SCHEMAS_PER_STATEMENT):
        batch = tenants[first:first + SCHEMAS_PER_STATEMENT]
        parts, params = [], {}
        for i, tenant in enumerate(batch):
            zone = usage_time_zone(tenant)
            params[f"start{i}"], params[f"end{i}"] = month.start(zone), month.end(zone)
            parts.append(sql.SQL("({units} SELECT {index}, {counts} FROM units)").format(
                units=_units(tenant.schema_name, suffix=str(i)), index=sql.Literal(i), counts=_COUNTS))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(NO_JIT)
            cursor.execute(sql.SQL(" UNION ALL ").join(parts).as_string(cursor.connection), params)
            for row in cursor.fetchall():
                totals[batch[row[0]].pk] = TenantUsage(*row[1:], tenant=batch[row[0]])
    return [totals[tenant.pk] for tenant in tenants]


# --- the statement

_COUNTS = sql.SQL("""
    count(*) FILTER (WHERE outbound AND accepted AND NOT mms),
    coalesce(sum(segments) FILTER (WHERE outbound AND accepted AND NOT mms), 0),
    count(*) FILTER (WHERE outbound AND accepted AND mms),
    count(*) FILTER (WHERE NOT outbound AND NOT mms),
    coalesce(sum(segments) FILTER (WHERE NOT outbound AND NOT mms), 0),
    count(*) FILTER (WHERE NOT outbound AND mms),
    count(*) FILTER (WHERE failed AND NOT mms),
    count(*) FILTER (WHERE failed AND mms)""")


def _units(schema: str | None, suffix: str = "") -> sql.Composed:
    """`WITH units AS (...)`: one row per billed unit of the month (an outbound recipient, or an inbound
    message on one of our numbers), with its number, extension(s), kind and outcome. Tables are named with
    `schema` when given (the cross-tenant report), else found on the search path (the current tenant)."""

    def table(model) -> sql.Composable:
        name = sql.Identifier(model._meta.db_table)
        return sql.SQL("{}.{}").format(sql.Identifier(schema), name) if schema else name

    # Set-based on purpose (bench/messages_csv.py, EXPLAIN at 1,000,000 messages): media and routes are joined
    # as sets, not looked up per message, and the receiving number of a message to one number is that number.
    return sql.SQL("""
    WITH month_messages AS NOT MATERIALIZED (
        SELECT m.id, m.direction, m.status, m.segments, m.to_numbers, m.from_number, m.extension_id,
               m.provider_message_id <> '' AS accepted,
               cardinality(m.to_numbers) > 1 OR m.id IN (SELECT mm.message_id FROM {media} mm) AS mms
        FROM {message} m
        WHERE m.created_at >= {start} AND m.created_at < {end}
    ), routes AS (
        SELECT rt.message_id, string_agg(e.number, ', ' ORDER BY e.number) AS extensions
        FROM {routed_to} rt
        JOIN {extension} e ON e.id = rt.extension_id
        JOIN month_messages m ON m.id = rt.message_id AND m.direction = 'in'
        GROUP BY rt.message_id
    ), units AS (
        -- Outbound to one number: the message is its one recipient (and has its status).
        SELECT m.from_number AS number, coalesce(e.number, '') AS extension, true AS outbound,
               m.accepted, m.status = 'failed' AS failed, m.mms, m.segments
        FROM month_messages m
        LEFT JOIN {extension} e ON e.id = m.extension_id
        WHERE m.direction = 'out' AND cardinality(m.to_numbers) = 1
        UNION ALL
        -- A group: each recipient with its own status (compose.queue_message writes one row per recipient).
        SELECT m.from_number, coalesce(e.number, ''), true, m.accepted, r.status = 'failed', m.mms, m.segments
        FROM month_messages m
        JOIN {recipient} r ON r.message_id = m.id
        LEFT JOIN {extension} e ON e.id = m.extension_id
        WHERE m.direction = 'out' AND cardinality(m.to_numbers) > 1
        UNION ALL
        -- Inbound: each of our numbers among the recipients; none of ours (a number since removed from its
        -- trunk): the first recipient.
        SELECT ours.number, coalesce(routes.extensions, ''), false, false, false, m.mms, m.segments
        FROM month_messages m
        LEFT JOIN routes ON routes.message_id = m.id
        CROSS JOIN LATERAL unnest(CASE WHEN cardinality(m.to_numbers) = 1 THEN m.to_numbers ELSE (
            SELECT coalesce(array_agg(DISTINCT t.number) FILTER (WHERE p.number IS NOT NULL),
                            ARRAY[m.to_numbers[1]])
            FROM unnest(m.to_numbers) AS t(number) LEFT JOIN {number} p ON p.number = t.number
        ) END) AS ours(number)
        WHERE m.direction = 'in'
    )""").format(
        media=table(MessageMedia), message=table(Message), recipient=table(MessageRecipient),
        extension=table(Extension), routed_to=table(Message.routed_to.through), number=table(PhoneNumber),
        start=sql.Placeholder("start" + suffix), end=sql.Placeholder("end" + suffix),
    )
