"""GET /t/<slug>/live/: the live channel, a text/event-stream (docs/live.md).

The tenant middleware has already checked that the user may enter the tenant (404 otherwise, the login
page for the anonymous). This async view reads who the user is here (the Reader) through the request's
own thread, which holds the tenant's database connection, and then streams without touching the database.
"""

from asgiref.sync import sync_to_async
from django.db import connections
from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from messaging.live import stream
from messaging.selectors.conversations import reader_for


@require_GET
async def live(request):
    reader = await sync_to_async(reader_for)(request.user, request.tenant_role)
    last_event_id = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id", "")
    response = StreamingHttpResponse(
        _without_database(stream.events(schema_name=request.tenant.schema_name, reader=reader,
                                        last_event_id=last_event_id.strip())),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


async def _without_database(events):
    # The request's thread keeps its database connection until the response ends; a stream lasts minutes,
    # and a thousand of them would hold a thousand PostgreSQL connections. The middleware is done with it.
    await sync_to_async(connections.close_all)()
    async for chunk in events:
        yield chunk
