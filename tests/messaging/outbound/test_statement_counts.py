"""How many SQL queries one queued message and one send cost: each is paid per message, so a change that
adds one shows here (docs/benchmarks.md, "Outbound dispatch", has the before and after).

Counted: the queries themselves (SELECT, INSERT, UPDATE, WITH ...), not the `SET search_path` that
django-tenants sends before each one (unless TENANT_LIMIT_SET_CALLS) nor BEGIN/COMMIT. Committed (no test
transaction), so the live events' reads after commit are counted too.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from messaging.models import Message, MessageMedia
from messaging.services.outbound.compose import queue_message
from messaging.services.outbound.deliver import deliver_message
from tests.messaging.factories import RECIPIENT, SEND_URL, accepted

QUEUE_QUERIES = 10  # rules, sender (opt-outs + 10DLC), message, recipients, conversation (5), live event
SEND_QUERIES = 5  # load, claim, live event, sent, live event
NOT_COUNTED = re.compile(r"\s*(SET search_path|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


def queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not NOT_COUNTED.match(q["sql"])]


@pytest.fixture
def acme_sending(committed_acme, bandwidth, published):
    """Committed Acme with Bandwidth accepting, one message already sent (token fetched, caches warm)."""
    bandwidth.post(SEND_URL, status=202, json=accepted())
    with tenant_context(committed_acme.tenant):
        deliver_message(message_id=queue_message(extension=committed_acme.ext.sales, to=[RECIPIENT], text="warm").pk)
        yield committed_acme


def test_queueing_a_message_runs_ten_queries(acme_sending):
    with CaptureQueriesContext(connection) as captured:
        queue_message(extension=acme_sending.ext.sales, to=[RECIPIENT], text="Hello")
    assert len(queries(captured)) <= QUEUE_QUERIES, "\n".join(queries(captured))


def test_sending_an_sms_runs_five_queries(acme_sending):
    message = queue_message(extension=acme_sending.ext.sales, to=[RECIPIENT], text="Hello")
    with CaptureQueriesContext(connection) as captured:
        deliver_message(message_id=message.pk)
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert len(queries(captured)) <= SEND_QUERIES, "\n".join(queries(captured))


def media_reads(captured) -> list[str]:
    return [sql for sql in queries(captured) if sql.startswith(f'SELECT "{MessageMedia._meta.db_table}".')]


@pytest.mark.parametrize("media, reads", [((), 0), (["https://cdn.example.com/cat.png"], 1)])
def test_only_a_message_with_attachments_reads_them(acme_sending, media, reads):
    message = queue_message(extension=acme_sending.ext.sales, to=[RECIPIENT], text="Hello", media=media)
    with CaptureQueriesContext(connection) as captured:
        deliver_message(message_id=message.pk)
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert len(media_reads(captured)) == reads
