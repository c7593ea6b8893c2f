"""The Messages list as CSV: the rows the screen shows for the same filters, cells a spreadsheet will not run,
times with their offset, and a body streamed from a server-side cursor a chunk at a time (memory stays flat
however many rows: checked by counting what is read, not by timing). Other tenants and extension users: 404."""

import asyncio
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import AsyncRequestFactory, RequestFactory
from django_tenants.utils import tenant_context

from messaging.selectors import message_export
from portal.csv_export import safe_cell, streaming_csv_response
from tests.messaging.factories import DID, RECIPIENT, make_message

LIST, EXPORT = "/t/acme/messages/", "/t/acme/messages/export/"


def exported(response) -> list[dict]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def shown_ids(client, query: dict) -> list[str]:
    return re.findall(r'data-message-id="(\d+)"', client.get(LIST, query).content.decode())


@pytest.fixture
def log(acme):
    make_message(acme, text="out-1", status="delivered", to_numbers=["+19195550177"])
    make_message(acme, text="out-failed", status="failed", error_code=4773)
    make_message(acme, text="other ext", extension=acme.ext.chooser, status="sent")
    routed = make_message(acme, direction="in", status="received", extension=None, text="in-1",
                          from_number="+19195550177", to_numbers=[DID])
    routed.routed_to.set([acme.ext.bare])
    make_message(acme, direction="in", status="received", extension=None, text="unrouted", unrouted=True,
                 from_number=RECIPIENT, to_numbers=[DID])
    return acme


@pytest.mark.parametrize("query", [
    {}, {"direction": "in"}, {"status": "failed"}, {"extension": "101"}, {"extension": "104"},
    {"number": "(919) 555-0177"}, {"unrouted": "on"}, {"status": "nonsense"},
])
def test_the_csv_rows_are_the_messages_the_screen_shows_for_the_same_filters(log, client_a, query):
    rows = exported(client_a.get(EXPORT, query))
    assert [row["id"] for row in rows] == shown_ids(client_a, query)


def test_the_list_links_to_the_csv_with_its_filters(log, client_a):
    page = client_a.get(LIST, {"direction": "in", "extension": "104"}).content.decode()
    assert 'href="/t/acme/messages/export/?direction=in&amp;extension=104"' in page


def test_a_row_carries_what_the_log_shows(log, client_a):
    response = client_a.get(EXPORT, {"status": "failed"})
    assert response["Content-Type"].startswith("text/csv") and "messages.csv" in response["Content-Disposition"]
    [row] = exported(response)
    assert (row["direction"], row["status"], row["from"], row["to"], row["extension"]) == (
        "out", "failed", DID, RECIPIENT, "101")
    assert row["error_code"] == "4773" and row["reason"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", row["created_at"])
    [inbound] = exported(client_a.get(EXPORT, {"extension": "104"}))
    assert (inbound["extension"], inbound["text"]) == ("104", "in-1")


def test_times_carry_the_offset_of_the_current_zone(log, client_a, settings):
    settings.TIME_ZONE = "America/New_York"
    row = exported(client_a.get(EXPORT, {"status": "failed"}))[0]
    assert re.search(r"-0[45]:00$", row["created_at"])


@pytest.mark.parametrize("text, cell", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("plain, \"quoted\"\nline", "plain, \"quoted\"\nline"),
])
def test_cells_that_would_run_as_formulas_are_defused(acme, client_a, text, cell):
    make_message(acme, text=text)
    assert exported(client_a.get(EXPORT))[0]["text"] == cell


def test_phone_numbers_are_left_as_they_are():
    assert safe_cell("+19195550100") == "+19195550100"
    assert safe_cell("+19195550100 +19195550177") == "+19195550100 +19195550177"
    assert safe_cell("+1919 =1+1") == "'+1919 =1+1"


def test_rows_are_read_a_chunk_at_a_time(log, client_a, monkeypatch):
    """Five messages in chunks of two: the header leaves before any row is fetched, each chunk after one fetch
    of two rows from the server-side cursor, and nothing is fetched ahead of what was sent."""
    import psycopg

    fetched = []
    fetchmany = psycopg.ServerCursor.fetchmany

    def counted(cursor, size=0):
        rows = fetchmany(cursor, size)
        fetched.append(len(rows))
        return rows

    monkeypatch.setattr(psycopg.ServerCursor, "fetchmany", counted)
    monkeypatch.setattr(message_export, "EXPORT_CHUNK", 2)
    response = client_a.get(EXPORT)
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"id,created_at,") and fetched == []
    assert next(chunks).count(b"\r\n") == 2 and fetched == [2]
    assert next(chunks).count(b"\r\n") == 2 and fetched == [2, 2]
    assert b"".join(chunks).count(b"\r\n") == 1 and fetched[:3] == [2, 2, 1] and sum(fetched) == 5


def test_the_cursor_is_read_lazily_inside_a_transaction(committed_acme, monkeypatch):
    """In autocommit Django declares the cursor WITH HOLD, and PostgreSQL then computes every row before the
    first: the export reads it inside a transaction, where it is not holdable and rows are made as read."""
    with tenant_context(committed_acme.tenant):
        for n in range(3):
            make_message(committed_acme, text=f"m{n}")
        assert connection.get_autocommit()
        monkeypatch.setattr(message_export, "EXPORT_CHUNK", 1)
        chunks = message_export.export_chunks()
        next(chunks), next(chunks)
        with connection.cursor() as cursor:
            cursor.execute("SELECT is_holdable FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
            assert cursor.fetchall() == [(False,)]
        assert len(list(chunks)) == 2 and connection.get_autocommit()


def test_under_asgi_chunks_are_pulled_one_at_a_time_and_the_export_stops_with_the_client():
    pulled, closed = [], []

    def chunks():
        try:
            for n in range(1000):
                pulled.append(n)
                yield f"{n}\r\n"
        finally:
            closed.append(True)

    response = streaming_csv_response(AsyncRequestFactory().get("/"), chunks, filename="x.csv")
    assert response.is_async  # Django would otherwise read a sync iterator to its end before sending

    async def read_two():
        content = response.streaming_content
        got = [await anext(content), await anext(content)]
        await content.aclose()
        return got

    # A thread of its own: a browser test earlier in the session may leave Playwright's loop in this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, read_two()).result() == [b"0\r\n", b"1\r\n"]
    assert len(pulled) == 2 and closed == [True]
    assert not streaming_csv_response(RequestFactory().get("/"), chunks, filename="x.csv").is_async


def test_admin_of_other_tenant_gets_404(log, client_b):
    assert client_b.get(EXPORT).status_code == 404


def test_extension_user_gets_404(log, tenant_a):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tenants.models import Membership

    user = get_user_model().objects.create_user(username="ext_export", password="x-Very-long-9")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    assert client.get(EXPORT).status_code == 404


def test_attachments_are_counted_and_every_routed_extension_named(acme, client_a):
    from messaging.models import MessageMedia

    message = make_message(acme, direction="in", status="received", extension=None, text="photo")
    message.routed_to.set([acme.ext.bare, acme.ext.sales])
    MessageMedia.objects.bulk_create([MessageMedia(message=message, position=i) for i in range(2)])
    make_message(acme, text="plain")
    rows = {row["text"]: row for row in exported(client_a.get(EXPORT))}
    assert (rows["photo"]["media"], rows["photo"]["extension"]) == ("2", "101 104")
    assert (rows["plain"]["media"], rows["plain"]["extension"]) == ("0", "101")


@pytest.mark.parametrize("query", [
    "number=%00", "extension=" + "1" * 5000, "direction=sideways", "status=%ED%A0%80", "unrouted=maybe",
    "after=not-a-cursor", "number=%FF%FE",
])
def test_a_filter_nobody_could_mean_gives_a_csv_not_a_500(log, client_a, query):
    response = client_a.get(EXPORT + "?" + query)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"id,created_at,direction,")
