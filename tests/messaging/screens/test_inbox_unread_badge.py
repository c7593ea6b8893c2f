"""The unread badge at scale: it counts unread conversations up to 100 and then says "99+" (so that it
never probes every conversation of a big tenant), and a thread read up to its last message has nothing
unread left, whatever order its messages were stored in."""

import pytest

from messaging.models import Message
from messaging.selectors.conversations import UNREAD_BADGE_CAP
from tests.messaging.screens.inbox_helpers import INBOX, inbound, thread_url

pytestmark = pytest.mark.django_db

CAROL = "+19195550142"


def badge(page) -> str:
    html = page.content.decode()
    start = html.index('data-testid="nav-unread"')
    return html[start:html.index("</span>", start)]


def test_the_badge_says_99_plus_from_100_unread_conversations(acme, client_a):
    for n in range(UNREAD_BADGE_CAP - 1):
        inbound(sender=f"+1984555{n:04d}", extensions=[acme.ext.sales])
    assert badge(client_a.get(INBOX)).endswith(">99")
    inbound(sender="+19845559999", extensions=[acme.ext.sales])
    shown = badge(client_a.get(INBOX))
    assert 'data-unread-total="99+"' in shown and shown.endswith(">99+")
    assert 'data-unread-total="99+"' in client_a.get(INBOX, {"fragment": "count"}).content.decode()
    assert "99+" in badge(client_a.get("/t/acme/messages/"))  # every tenant page shows the same badge


def test_a_thread_read_to_its_last_message_has_nothing_unread_left(acme, client_a):
    latest = inbound(sender=CAROL, text="Are you open?", extensions=[acme.ext.sales])
    conversation = latest.conversation
    client_a.get(thread_url(conversation))
    # Stored after the reader opened the thread but dated before its last message (two inserts racing):
    # it shows above the message the reader saw, and opening the thread again leaves nothing unread.
    late = inbound(sender=CAROL, text="Sorry, typo", extensions=[acme.ext.sales], minutes_ago=1)
    assert late.pk > latest.pk and Message.objects.get(pk=late.pk).created_at < latest.created_at
    client_a.get(thread_url(conversation))
    page = client_a.get(INBOX)
    assert page.context["page"].object_list[0].unread == 0
    assert 'data-unread-total="0"' in page.content.decode()
