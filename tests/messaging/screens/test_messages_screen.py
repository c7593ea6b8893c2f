"""The Messages screens: log with filters and keyset pages (fast at 100,000 rows), detail, compose, status
polling, the live segment counter's scripts, and other tenants get 404 (the counting rule in Chromium against
count_segments: test_segment_counter_js.py)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.models import Message, OptOut, PhoneNumber
from tests.messaging.factories import DID, RECIPIENT, handed_to_tasks, in_acme, make_message

LIST, COMPOSE, STATUS = "/t/acme/messages/", "/t/acme/messages/compose/", "/t/acme/messages/status/"


def test_log_shows_newest_first_with_status_reason_warnings_and_extensions(acme, client_a):
    make_message(acme, text="first", status="delivered")
    failed = make_message(acme, text="second", status="failed", error_code=4773,
                          warnings=["+19195550100 is a US long code marked “Pending” for 10DLC"])
    inbound = make_message(acme, direction="in", status="received", extension=None, text="third",
                           from_number=RECIPIENT, to_numbers=[DID])
    routed = make_message(acme, direction="in", status="received", extension=None, text="fourth")
    routed.routed_to.set([acme.ext.bare])
    page = client_a.get(LIST).content.decode()
    assert [page.index(t) for t in ("fourth", "third", "second", "first")] == sorted(
        page.index(t) for t in ("fourth", "third", "second", "first"))
    assert "Delivered" in page
    row = re.search(rf'data-message-id="{failed.pk}".*?</tr>', page, re.S).group(0)
    assert "Failed" in row and "marked “Pending” for 10DLC" in row
    row = re.search(rf'data-message-id="{routed.pk}".*?</tr>', page, re.S).group(0)
    assert "104" in row and "Unrouted" not in row
    row = re.search(rf'data-message-id="{inbound.pk}".*?</tr>', page, re.S).group(0)
    assert "Unrouted" in row


def test_failure_reason_is_in_plain_words(acme, client_a):
    from messaging.bandwidth import describe_error

    make_message(acme, status="failed", error_code=4773)
    make_message(acme, status="failed", error_description="Bandwidth refused the request: bad 'to'.")
    page = client_a.get(LIST).content.decode()
    assert describe_error(4773).meaning in page
    assert "Bandwidth refused the request: bad &#x27;to&#x27;." in page


@pytest.mark.parametrize("query, expected", [
    ("direction=in", {"in-1"}),
    ("status=failed", {"out-failed"}),
    ("extension=101", {"out-1", "out-failed"}),
    ("extension=104", {"in-1"}),
    ("number=%2B19195550177", {"out-1", "in-1"}),
    ("number=(919)%20555-0177", {"out-1", "in-1"}),
])
def test_filters(acme, client_a, query, expected):
    make_message(acme, text="out-1", to_numbers=["+19195550188", "+19195550177"])
    make_message(acme, text="out-failed", status="failed")
    inbound = make_message(acme, direction="in", status="received", extension=None, text="in-1",
                           from_number="+19195550177", to_numbers=[DID])
    inbound.routed_to.set([acme.ext.bare])
    page = client_a.get(f"{LIST}?{query}").content.decode()
    shown = {text for text in ("out-1", "out-failed", "in-1") if text in page}
    assert shown == expected


def test_keyset_pages_go_forward_and_back_without_counting(acme, client_a):
    Message.objects.bulk_create([
        Message(direction="out", status="sent", from_number=DID, to_numbers=[RECIPIENT], text=f"msg-{i:03d}")
        for i in range(120)
    ])
    with CaptureQueriesContext(connection) as queries:
        first = client_a.get(LIST)
    assert not unbounded_counts(queries.captured_queries)
    texts = lambda response: re.findall(r"msg-\d{3}", response.content.decode())  # noqa: E731
    page1 = texts(first)
    assert len(page1) == 50 and page1[0] == "msg-119"
    older = re.search(r'href="(\?after=[^"]+)"', first.content.decode()).group(1)
    second = client_a.get(LIST + older.replace("&amp;", "&"))
    page2 = texts(second)
    assert page2[0] == "msg-069" and not set(page1) & set(page2)
    newer = re.search(r'href="(\?before=[^"]+)"', second.content.decode()).group(1)
    assert texts(client_a.get(LIST + newer.replace("&amp;", "&"))) == page1
    third = client_a.get(LIST + re.search(r'href="(\?after=[^"]+)"', second.content.decode()).group(1))
    assert len(texts(third)) == 20 and 'rel="next"' not in third.content.decode()


def test_filters_survive_paging(acme, client_a):
    Message.objects.bulk_create([
        Message(direction="out", status="sent" if i % 2 else "failed", from_number=DID, to_numbers=[RECIPIENT],
                text=f"msg-{i:03d}") for i in range(120)
    ])
    older = re.search(r'href="(\?[^"]*after=[^"]+)"', client_a.get(f"{LIST}?status=failed").content.decode()).group(1)
    assert "status=failed" in older


def unbounded_counts(queries) -> list[str]:
    """COUNT queries that would scan every message (a COUNT over a LIMITed subquery is bounded)."""
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "LIMIT" not in q["sql"].upper()]


def test_pages_at_100000_messages_never_count_them_all(acme, client_a):
    """The timing itself is measured by bench/messages_page.py; here, the shape that keeps it fast."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {connection.schema_name}.messaging_message
              (uid, direction, status, from_number, to_numbers, text, segments, provider_message_id, error_description,
               warnings, keyword, attempts, unrouted, created_at, updated_at)
            SELECT gen_random_uuid(), 'out', CASE WHEN i %% 10 = 0 THEN 'failed' ELSE 'delivered' END, %s,
                   ARRAY['+1919555' || lpad((i %% 10000)::text, 4, '0')], 'bulk ' || i, 1, '', '', '[]'::jsonb, '', 1,
                   false, now() - make_interval(secs => i), now()
            FROM generate_series(1, 100000) AS i
        """, [DID])
        cursor.execute(f"ANALYZE {connection.schema_name}.messaging_message")
    first = client_a.get(LIST)
    older = re.search(r'href="(\?after=[^"]+)"', first.content.decode()).group(1)
    for name, url, rows in [("first", LIST, 50), ("second", LIST + older, 50), ("failed", LIST + "?status=failed", 50),
                            ("number", LIST + "?number=%2B19195550042", 10), ("outbound", LIST + "?direction=out", 50)]:
        with CaptureQueriesContext(connection) as queries:
            response = client_a.get(url)
        assert response.status_code == 200
        assert len(re.findall(r"data-message-id=", response.content.decode())) == rows, name
        assert not unbounded_counts(queries.captured_queries), name


def test_detail_shows_everything_and_checking_with_bandwidth(acme, client_a):
    message = make_message(acme, status="unknown", error_description="The connection to Bandwidth was lost")
    page = client_a.get(f"{LIST}{message.pk}/").content.decode()
    assert "Checking with Bandwidth" in page
    assert "The connection to Bandwidth was lost" in page
    assert str(message.uid) in page and "Main SMS" in page


def test_unknown_message_is_404(acme, client_a):
    assert client_a.get(f"{LIST}999999/").status_code == 404


def test_status_endpoint_answers_what_the_page_polls(acme, client_a):
    sent = make_message(acme, status="sent")
    failed = make_message(acme, status="failed", error_code=4775)
    body = client_a.get(f"{STATUS}?ids={sent.pk},{failed.pk},abc,99999999999999999999").json()
    states = {item["id"]: item for item in body["messages"]}
    assert states[sent.pk]["status"] == "sent" and states[sent.pk]["final"] is False
    assert states[failed.pk]["final"] is True and "STOP" in states[failed.pk]["reason"]


def test_compose_form_has_the_live_counter(acme, client_a):
    page = client_a.get(COMPOSE).content.decode()
    assert 'data-segment-counter="1"' in page and "js/compose.js" in page
    assert page.index("js/segments.js") < page.index("js/compose.js")  # compose.js counts with segments.js
    assert 'value="102"' not in page  # the extension that may not send is not offered


def test_compose_queues_and_shows_the_message_with_its_warning(acme, client_a, django_capture_on_commit_callbacks):
    PhoneNumber.objects.filter(number=DID).update(ten_dlc_status="pending")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_a.post(COMPOSE, {"from_extension": acme.ext.sales.pk, "to": "(919) 555-0199, +19195550198",
                                           "text": "Hi\r\nthere"}, follow=True)
    message = in_acme(acme, lambda: Message.objects.get())
    assert response.redirect_chain[-1][0] == f"{LIST}{message.pk}/"
    assert (message.to_numbers, message.text, message.status) == ([RECIPIENT, "+19195550198"], "Hi\nthere", "queued")
    page = response.content.decode()
    assert "Message queued" in page and "10DLC" in page
    assert len(handed_to_tasks(callbacks)) == 1


def test_compose_with_an_attachment(acme, client_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("cat.png", b"\x89PNG....", content_type="image/png")
    client_a.post(COMPOSE, {"from_extension": acme.ext.sales.pk, "to": RECIPIENT, "text": "", "media": [photo]})
    message = in_acme(acme, lambda: Message.objects.get())
    assert message.media.get().content_type == "image/png"


def test_compose_refusal_is_shown_on_the_form_and_nothing_is_stored(acme, client_a):
    OptOut.objects.create(number=DID, remote_number=RECIPIENT, keyword="STOP")
    response = client_a.post(COMPOSE, {"from_extension": acme.ext.sales.pk, "to": RECIPIENT, "text": "Hi"})
    assert response.status_code == 200
    assert "opted out of messages from" in " ".join(response.context["form"].errors["to"])
    assert not in_acme(acme, lambda: Message.objects.exists())


def test_admin_of_other_tenant_gets_404_on_every_messages_page(acme, client_b):
    message = make_message(acme)
    for path in (LIST, COMPOSE, f"{LIST}{message.pk}/", f"{STATUS}?ids={message.pk}"):
        assert client_b.get(path).status_code == 404, path
    posted = client_b.post(COMPOSE, {"from_extension": acme.ext.sales.pk, "to": RECIPIENT, "text": "x"})
    assert posted.status_code == 404
    assert in_acme(acme, lambda: Message.objects.count()) == 1

