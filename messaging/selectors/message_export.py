"""The Messages list as CSV, with the screen's filters, for any number of rows in flat memory.

Rows come from a PostgreSQL server-side cursor (QuerySet.iterator) EXPORT_CHUNK rows at a time, and leave
as CSV text a chunk at a time. The cursor is read inside a transaction: Django declares it WITH HOLD in
autocommit, and PostgreSQL then runs the whole query into a temporary store when the declaring statement
commits, before the first row; inside a transaction it is read lazily (and it works behind PgBouncer in
transaction mode, where a cursor may not outlive its transaction).
"""

from collections.abc import Iterator

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from messaging.models import Extension, MessageMedia
from messaging.selectors.messages import list_messages
from messaging.services.outbound.status import failure_text
from portal.csv_export import csv_lines

EXPORT_CHUNK = 2000
HEADER = [
    "id", "created_at", "direction", "status", "from", "to", "extension", "segments", "media", "text",
    "bandwidth_id", "error_code", "reason", "sent_at", "delivered_at", "failed_at",
]
# Plain tuples, the routed extensions and the attachments counted by PostgreSQL in the same statement: model
# instances and a prefetch per chunk made the export about ten times slower (docs/benchmarks.md).
COLUMNS = (
    "id", "created_at", "direction", "status", "from_number", "to_numbers", "extension__number", "routed",
    "segments", "media_count", "text", "provider_message_id", "error_code", "error_description", "sent_at",
    "delivered_at", "failed_at",
)


def export_chunks(**filters) -> Iterator[str]:
    """CSV text of the messages list_messages(**filters) selects, newest first, the header first, then
    EXPORT_CHUNK rows per piece. Times are ISO 8601 with the offset of the current time zone; the extension
    is the sender of an outbound message, or those an inbound one was routed to."""
    yield csv_lines([HEADER])
    rows = list_messages(**filters).prefetch_related(None).annotate(
        routed=ArraySubquery(Extension.objects.filter(received_messages=OuterRef("pk")).order_by("number")
                             .values("number")),
        media_count=Coalesce(Subquery(
            MessageMedia.objects.filter(message=OuterRef("pk")).order_by().values("message")
            .annotate(count=Count("pk")).values("count"), output_field=IntegerField()), 0),
    ).values_list(*COLUMNS)
    zone = timezone.get_current_timezone()  # once: each lookup goes through asgiref's Local
    with transaction.atomic():
        lines = []
        for row in rows.iterator(chunk_size=EXPORT_CHUNK):
            lines.append(_line(zone, *row))
            if len(lines) >= EXPORT_CHUNK:
                yield csv_lines(lines)
                lines = []
        if lines:
            yield csv_lines(lines)


def _line(zone, pk, created_at, direction, status, from_number, to_numbers, sender, routed, segments, media_count, text,
          provider_message_id, error_code, error_description, sent_at, delivered_at, failed_at) -> list:
    reason = error_description or (failure_text(error_code) if error_code is not None else "")
    extension = (sender or "") if direction == "out" else " ".join(routed)
    return [pk, created_at.astimezone(zone), direction, status, from_number, " ".join(to_numbers), extension,
            segments, media_count, text, provider_message_id, error_code, reason, *(
                when.astimezone(zone) if when else None for when in (sent_at, delivered_at, failed_at))]
