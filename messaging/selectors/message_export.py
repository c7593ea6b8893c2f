"""The Messages list as CSV, with the screen's filters, for any number of rows in flat memory.

Rows come from a PostgreSQL server-side cursor (QuerySet.iterator) EXPORT_CHUNK rows at a time, and leave
as CSV text a chunk at a time. The cursor is read inside a transaction: Django declares it WITH HOLD in
autocommit, and PostgreSQL then runs the whole query into a temporary store when the declaring statement
commits, before the first row; inside a transaction it is read lazily (and it works behind PgBouncer in
transaction mode, where a cursor may not outlive its transaction).
"""

from collections.abc import Iterator

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from messaging.models import Extension, Message, MessageMedia
from messaging.selectors.messages import failure_reason, list_messages
from portal.csv_export import csv_lines

EXPORT_CHUNK = 2000
HEADER = [
    "id", "created_at", "direction", "status", "from", "to", "extension", "segments", "media", "text",
    "bandwidth_id", "error_code", "reason", "sent_at", "delivered_at", "failed_at",
]


def export_chunks(**filters) -> Iterator[str]:
    """CSV text of the messages list_messages(**filters) selects, newest first, the header first, then
    EXPORT_CHUNK rows per piece. Times are ISO 8601 with the offset of the current time zone."""
    yield csv_lines([HEADER])
    messages = list_messages(**filters).prefetch_related(None).prefetch_related(
        Prefetch("routed_to", queryset=Extension.objects.only("id", "number")),
        Prefetch("media", queryset=MessageMedia.objects.only("id", "message_id")),
    )
    with transaction.atomic():
        rows = []
        for message in messages.iterator(chunk_size=EXPORT_CHUNK):
            rows.append(_row(message))
            if len(rows) >= EXPORT_CHUNK:
                yield csv_lines(rows)
                rows = []
        if rows:
            yield csv_lines(rows)


def _row(message: Message) -> list:
    if message.direction == Message.Direction.OUTBOUND:
        extension = message.extension.number if message.extension_id else ""
    else:
        extension = " ".join(e.number for e in message.routed_to.all())
    return [
        message.pk, _local(message.created_at), message.direction, message.status, message.from_number,
        " ".join(message.to_numbers), extension, message.segments, len(message.media.all()), message.text,
        message.provider_message_id, message.error_code, failure_reason(message), _local(message.sent_at),
        _local(message.delivered_at), _local(message.failed_at),
    ]


def _local(when):
    return timezone.localtime(when) if when else None
