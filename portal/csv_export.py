"""CSV answers: cells a spreadsheet will not run as formulas, and a streamed body whose memory stays flat.

Used by the Messages export and the Usage screens. Nothing here knows a model.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, StreamingHttpResponse

# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...), +cmd|...): prefixed
# with ' it is shown as the text it is (OWASP's CSV injection advice). Tab and CR start formulas in some too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Phone numbers in E.164 (+ and digits only, space-separated) carry no formula: left as they are, so billing
# tools read them.
PHONE_NUMBER = re.compile(r"\+[0-9]{1,15}( \+[0-9]{1,15})*")


def safe_cell(value) -> str | int:
    """A cell's text: numbers as they are, times in ISO 8601 with their offset, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_lines(rows: Iterable[Iterable]) -> str:
    """Rows as CSV text (RFC 4180: CRLF line ends, quotes where needed), every cell through safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()


def csv_response(header: list[str], rows: Iterable[Iterable], *, filename: str) -> HttpResponse:
    """A small CSV file, built in memory (a report of a few hundred rows)."""
    response = HttpResponse(csv_lines([header, *rows]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def streaming_csv_response(request, chunks: Callable[[], Iterator[str]], *, filename: str) -> StreamingHttpResponse:
    """A CSV file streamed chunk by chunk from `chunks()` (a generator of CSV text), never held whole.

    Under ASGI Django reads a synchronous iterator to its end into a list before sending a byte (it warns
    "StreamingHttpResponse must consume synchronous iterators"): there the chunks are pulled one at a time
    through the request's own thread (sync_to_async, thread-sensitive), which holds the database connection
    and its cursor. Under WSGI they are simply iterated.
    """
    content = _pulled_async(chunks()) if isinstance(request, ASGIRequest) else chunks()
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass chunks on, not buffer the whole file
    return response


_DONE = object()


async def _pulled_async(chunks: Iterator[str]):
    pull = sync_to_async(lambda: next(chunks, _DONE), thread_sensitive=True)
    try:
        while (chunk := await pull()) is not _DONE:
            yield chunk
    finally:
        # A client that goes away stops the export: the generator's cleanup (its transaction) runs in its thread.
        await sync_to_async(chunks.close, thread_sensitive=True)()
