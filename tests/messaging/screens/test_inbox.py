"""The Inbox: conversations newest first with the other party, the last message and unread counts;
search and the Unread filter; the thread both ways with attachments and statuses; read on open, per
user; the fragments the live updates refetch."""

import pytest
from django.core.files.base import ContentFile

from messaging.models import Conversation, MessageMedia
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT
from tests.messaging.screens.inbox_helpers import INBOX, extension_user, inbound, outbound, thread_url

pytestmark = pytest.mark.django_db

CAROL, DAVE = "+19195550142", "+19195550143"


def rows(page) -> list[str]:
    """The conversations' other parties in the order the list shows them."""
    return [str(c.other_party) for c in page.context["page"].object_list]


def test_conversations_are_listed_newest_first_with_last_message_and_unread_count(acme, client_a):
    outbound(extension=acme.ext.sales, to=[RECIPIENT], text="Your order shipped", minutes_ago=30)
    inbound(sender=CAROL, text="Are you open today?", extensions=[acme.ext.sales], minutes_ago=10)
    inbound(sender=CAROL, text="Hello?", extensions=[acme.ext.sales], minutes_ago=5)
    page = client_a.get(INBOX)
    assert page.status_code == 200
    assert rows(page) == [CAROL, RECIPIENT]
    html = page.content.decode()
    assert "Hello?" in html and "Your order shipped" in html and "Are you open today?" not in html
    assert html.index(CAROL) < html.index(RECIPIENT)
    carol, customer = page.context["page"].object_list
    assert (carol.unread, customer.unread) == (2, 0)
    assert 'data-testid="unread-count" aria-label="2 unread">2<' in html
    assert 'data-testid="nav-unread" data-unread-total="1"' in html  # one conversation has unread messages
    assert "New conversation" in html


def test_a_last_message_without_text_shows_as_an_attachment(acme, client_a):
    inbound(sender=CAROL, text="", extensions=[acme.ext.sales])
    assert "📎 attachment" in client_a.get(INBOX).content.decode()


def test_search_finds_a_number_in_any_format_a_part_of_it_or_words_of_a_message(acme, client_a):
    inbound(sender=CAROL, text="Is the blue sofa still available?", extensions=[acme.ext.sales])
    inbound(sender=DAVE, text="Thanks", extensions=[acme.ext.sales])
    assert rows(client_a.get(INBOX, {"q": "(919) 555-0142"})) == [CAROL]
    assert rows(client_a.get(INBOX, {"q": "0143"})) == [DAVE]
    assert rows(client_a.get(INBOX, {"q": "blue sofa"})) == [CAROL]
    nothing = client_a.get(INBOX, {"q": "no such words"})
    assert rows(nothing) == [] and "No conversation matches." in nothing.content.decode()


def test_unread_only_keeps_conversations_with_unread_messages(acme, client_a):
    read = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    inbound(sender=DAVE, extensions=[acme.ext.sales])
    client_a.get(thread_url(read))
    assert rows(client_a.get(INBOX, {"unread": "1"})) == [DAVE]
    assert sorted(rows(client_a.get(INBOX))) == [CAROL, DAVE]


def test_the_list_is_cut_in_pages_of_fifty_keeping_the_filters(acme, client_a):
    for n in range(51):
        inbound(sender=f"+1919555{n:04d}", text="Spring sale?", extensions=[acme.ext.sales], minutes_ago=n)
    first = client_a.get(INBOX, {"q": "sale"})
    assert len(rows(first)) == 50 and rows(first)[0] == "+19195550000"
    assert 'href="?q=sale&amp;page=2"' in first.content.decode()
    assert rows(client_a.get(INBOX, {"q": "sale", "page": "2"})) == ["+19195550050"]


def test_the_thread_shows_both_ways_oldest_first_inbound_left_outbound_right(acme, client_a):
    first = inbound(sender=CAROL, text="Do you deliver?", extensions=[acme.ext.sales], minutes_ago=3)
    reply = outbound(extension=acme.ext.sales, to=[CAROL], text="Yes, on Fridays", status="delivered",
                     minutes_ago=2)
    last = inbound(sender=CAROL, text="Great\nsee you", extensions=[acme.ext.sales], minutes_ago=1)
    page = client_a.get(thread_url(first.conversation))
    assert page.status_code == 200
    assert [m.pk for m in page.context["thread"]] == [first.pk, reply.pk, last.pk]
    html = page.content.decode()
    assert f'class="bubble in" data-message-id="{first.pk}"' in html
    assert f'class="bubble out" data-message-id="{reply.pk}"' in html
    assert f'data-message-id="{last.pk}" data-direction="in" id="latest"' in html
    assert "Great<br>see you" in html
    assert 'data-testid="status">Delivered<' in html
    assert 'data-testid="reply-form"' in html and "data-segment-counter" in html


def test_a_group_thread_says_who_wrote_each_inbound_message(acme, client_a):
    first = inbound(sender=CAROL, to=[DID, DAVE], text="Lunch?", extensions=[acme.ext.sales])
    inbound(sender=DAVE, to=[DID, CAROL], text="Yes", extensions=[acme.ext.sales])
    html = client_a.get(thread_url(first.conversation)).content.decode()
    assert f'data-testid="sender">{CAROL}<' in html and f'data-testid="sender">{DAVE}<' in html


def test_a_failed_reply_says_why_in_plain_words(acme, client_a):
    failed = outbound(extension=acme.ext.sales, to=[CAROL], status="failed",
                      error_description="The number cannot receive text messages.")
    html = client_a.get(thread_url(failed.conversation)).content.decode()
    assert "Failed" in html and "The number cannot receive text messages." in html


def test_attachments_show_pictures_as_thumbnails_and_other_files_as_links(acme, client_a, media_in_tmp_path):
    message = inbound(sender=CAROL, text="Photos", extensions=[acme.ext.sales])
    picture = MessageMedia.objects.create(message=message, position=0, content_type="image/png",
                                          state="stored", file=ContentFile(b"\x89PNG...", name="sofa.png"))
    card = MessageMedia.objects.create(message=message, position=1, content_type="text/vcard",
                                       state="stored", file=ContentFile(b"BEGIN:VCARD", name="carol.vcf"))
    MessageMedia.objects.create(message=message, position=2, state="pending", source_url="https://bw.example/m/2")
    html = client_a.get(thread_url(message.conversation)).content.decode()
    picture_url = f"{thread_url(message.conversation)}media/{picture.pk}/"
    assert f'<img class="thumb" src="{picture_url}"' in html
    assert f'href="{thread_url(message.conversation)}media/{card.pk}/"' in html and "carol" in html
    assert "attachment on its way" in html
    served = client_a.get(picture_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert client_a.get(f"{thread_url(message.conversation)}media/{card.pk}/")["Content-Disposition"].startswith(
        "attachment")


def test_an_attachment_of_another_conversation_is_not_found_through_this_one(acme, client_a, media_in_tmp_path):
    mine = inbound(sender=CAROL, extensions=[acme.ext.sales])
    other = inbound(sender=DAVE, extensions=[acme.ext.sales])
    media = MessageMedia.objects.create(message=other, state="stored", content_type="image/png",
                                        file=ContentFile(b"x", name="x.png"))
    assert client_a.get(f"{thread_url(mine.conversation)}media/{media.pk}/").status_code == 404


def test_shared_number_threads_say_which_extension_wrote_each_reply(acme, client_a):
    first = outbound(extension=acme.ext.sales, to=[CAROL], text="From sales")
    outbound(extension=acme.ext.bare, to=[CAROL], text="From 104")
    html = client_a.get(thread_url(first.conversation)).content.decode()
    assert html.count('data-testid="writer"') == 2 and "104" in html


def test_a_single_extensions_thread_does_not_repeat_the_writer(acme, client_a):
    first = outbound(extension=acme.ext.sales, to=[CAROL])
    assert 'data-testid="writer"' not in client_a.get(thread_url(first.conversation)).content.decode()


def test_opening_a_thread_marks_it_read_for_that_user_only(acme, tenant_a):
    ann = extension_user(tenant_a, "ann", acme.ext.sales)
    ben = extension_user(tenant_a, "ben", acme.ext.sales)
    conversation = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    ann.get(thread_url(conversation))
    assert ann.get(INBOX).context["page"].object_list[0].unread == 0
    assert ben.get(INBOX).context["page"].object_list[0].unread == 1
    inbound(sender=CAROL, text="One more", extensions=[acme.ext.sales])
    assert ann.get(INBOX).context["page"].object_list[0].unread == 1


def test_a_long_thread_shows_its_newest_messages_and_a_link_to_earlier_ones(acme, client_a, monkeypatch):
    from messaging.views import inbox as inbox_views

    monkeypatch.setattr(inbox_views, "THREAD_SIZE", 2)
    messages = [inbound(sender=CAROL, text=f"n{n}", extensions=[acme.ext.sales], minutes_ago=5 - n)
                for n in range(3)]
    page = client_a.get(thread_url(messages[0].conversation))
    assert [m.text for m in page.context["thread"]] == ["n1", "n2"]
    earlier = client_a.get(page.context["earlier_url"])
    assert [m.text for m in earlier.context["thread"]] == ["n0"] and not earlier.context["earlier_url"]


def test_the_list_fragment_is_the_list_alone_with_the_unread_total(acme, client_a):
    inbound(sender=CAROL, text="Ping", extensions=[acme.ext.sales])
    answer = client_a.get(INBOX, {"fragment": "list"})
    assert answer["Cache-Control"] == "no-store"
    fragment = answer.content.decode()
    assert fragment.startswith('<div class="conversation-list"') and 'data-unread-total="1"' in fragment
    assert "Ping" in fragment and "<html" not in fragment and 'name="q"' not in fragment
    count = client_a.get(INBOX, {"fragment": "count"}).content.decode()
    assert 'data-unread-total="1"' in count and "<html" not in count


def test_a_refused_reply_page_refetches_its_messages_from_the_thread_not_the_reply_url(acme, client_a):
    conversation = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    refused = client_a.post(f"{thread_url(conversation)}reply/", {"text": ""}).content.decode()
    assert f'data-fragment-url="{thread_url(conversation)}?fragment=messages"' in refused


def test_the_messages_fragment_marks_read_unless_the_tab_only_peeks(acme, client_a):
    conversation = inbound(sender=CAROL, text="Ping", extensions=[acme.ext.sales]).conversation
    peek = client_a.get(thread_url(conversation), {"fragment": "messages", "peek": "1"}).content.decode()
    assert "Ping" in peek and 'data-unread-total="1"' in peek and "reply-form" not in peek
    seen = client_a.get(thread_url(conversation), {"fragment": "messages"}).content.decode()
    assert 'data-unread-total="0"' in seen
    assert Conversation.objects.count() == 1


def test_the_pages_open_the_live_channel_from_the_newest_event_so_none_is_missed(acme, client_a):
    from django.db import connection

    from messaging.live import publication

    message = inbound(sender=CAROL, extensions=[acme.ext.sales])
    conversation = message.conversation
    newest = publication.publish_message(connection.schema_name, message.pk)
    assert newest
    for page in (client_a.get(INBOX), client_a.get(thread_url(conversation))):
        html = page.content.decode()
        assert "js/inbox.js" in html and "js/live.js" in html
        assert f'data-live-url="/t/acme/live/?last_event_id={newest}"' in html


def test_administrators_see_every_conversation_and_inbox_in_their_navigation(acme, client_a):
    inbound(sender=CAROL, extensions=[acme.ext.sales])
    inbound(sender=DAVE, to=[OTHER_DID], extensions=[acme.ext.chooser])
    inbound(sender="+19195550144", extensions=[])  # unrouted: no extension linked
    assert len(rows(client_a.get(INBOX))) == 3
    assert 'href="/t/acme/inbox/"' in client_a.get("/t/acme/").content.decode()


def test_an_extension_user_sees_only_their_extensions_conversations(acme, tenant_a):
    ann = extension_user(tenant_a, "ann", acme.ext.sales)
    inbound(sender=CAROL, extensions=[acme.ext.sales])
    inbound(sender=DAVE, to=[OTHER_DID], extensions=[acme.ext.chooser])
    assert rows(ann.get(INBOX)) == [CAROL]
    assert DID in ann.get(INBOX).content.decode()


def test_a_group_reply_shows_who_received_it_and_who_did_not_and_why(acme, client_a):
    from messaging.models import MessageRecipient

    group = outbound(extension=acme.ext.sales, to=[CAROL, "+19195550177"], status="delivered")
    MessageRecipient.objects.create(message=group, number=CAROL, status="delivered")
    MessageRecipient.objects.create(message=group, number="+19195550177", status="failed",
                                    error_description="The destination number is not SMS-enabled.")
    html = client_a.get(thread_url(group.conversation)).content.decode()
    assert f'data-number="{CAROL}">{CAROL}: Delivered' in html
    assert '+19195550177: Failed — The destination number is not SMS-enabled.' in html


@pytest.mark.parametrize("query", ["%00", "Carol%00", "9" * 201])
def test_a_search_nobody_could_type_is_a_field_error_not_a_server_error(acme, client_a, query):
    inbound(sender=CAROL, extensions=[acme.ext.sales])
    page = client_a.get(f"{INBOX}?q={query}")
    assert page.status_code == 200
    assert 'data-testid="search-error"' in page.content.decode()
    assert CAROL in page.content.decode()  # the bad search is dropped, the list still shows
