"""Writing from the Inbox: the reply box sends from the conversation's number to its participants (same
checks and refusals as Compose, shown next to the field), once per form, and comes back to the thread;
New conversation starts one from one of the user's extensions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.models import Conversation, Message, OptOut
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT
from tests.messaging.screens.inbox_helpers import INBOX, extension_user, inbound, thread_url, token_of

pytestmark = pytest.mark.django_db

CAROL, DAVE = "+19195550142", "+19195550143"
NEW = f"{INBOX}new/"


def reply_data(client, conversation, **changes) -> dict:
    return {"text": "On my way", "token": token_of(client.get(thread_url(conversation)))} | changes


def test_a_reply_goes_from_the_conversations_number_to_its_participants_and_back_to_the_thread(
        acme, client_a, published, django_capture_on_commit_callbacks):
    # Carol and Dave wrote to our second number as a group: the reply goes to both, from that number.
    conversation = inbound(sender=CAROL, to=[OTHER_DID, DAVE], extensions=[acme.ext.sales]).conversation
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_a.post(f"{thread_url(conversation)}reply/", reply_data(client_a, conversation))
    assert answer.status_code == 302 and answer["Location"] == f"{thread_url(conversation)}#latest"
    sent = Message.objects.get(direction="out")
    assert (sent.from_number, sorted(sent.to_numbers), sent.text) == (OTHER_DID, [CAROL, DAVE], "On my way")
    assert sent.conversation_id == conversation.pk and sent.extension == acme.ext.sales
    assert [name for name, _, _ in published] == ["messaging.deliver_message"]
    assert "On my way" in client_a.get(thread_url(conversation)).content.decode()


def test_the_same_reply_form_posted_twice_sends_once(acme, client_a):
    conversation = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    data = reply_data(client_a, conversation)
    client_a.post(f"{thread_url(conversation)}reply/", data)
    again = client_a.post(f"{thread_url(conversation)}reply/", data, follow=True)
    assert "already sent" in again.content.decode()
    assert Message.objects.filter(direction="out").count() == 1


def test_an_empty_reply_is_refused_next_to_the_text_and_nothing_is_sent(acme, client_a):
    conversation = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    refused = client_a.post(f"{thread_url(conversation)}reply/", reply_data(client_a, conversation, text=""))
    assert refused.status_code == 200
    assert refused.context["form"].errors["text"] == ["Enter a text or attach a file."]
    assert 'class="field-error" role="alert" data-field="text">Enter a text or attach a file.' in \
        refused.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_a_reply_to_someone_who_opted_out_is_refused_in_words_and_keeps_the_text(acme, client_a):
    conversation = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    OptOut.objects.create(number=DID, remote_number=CAROL, keyword="STOP")
    refused = client_a.post(f"{thread_url(conversation)}reply/", reply_data(client_a, conversation))
    html = refused.content.decode()
    assert refused.status_code == 200 and "opted out" in html and "On my way</textarea>" in html
    assert not Message.objects.filter(direction="out").exists()


def test_an_attachment_over_the_limits_is_refused_next_to_the_attachments(acme, client_a, settings):
    conversation = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    data = reply_data(client_a, conversation, media=[SimpleUploadedFile("run.exe", b"MZ", "application/x-msdownload")])
    refused = client_a.post(f"{thread_url(conversation)}reply/", data)
    assert refused.status_code == 200 and refused.context["form"].errors["media"]
    assert not Message.objects.filter(direction="out").exists()


def test_the_from_extension_choice_appears_only_for_several_linked_extensions(acme, tenant_a):
    conversation = inbound(sender=CAROL, extensions=[acme.ext.sales]).conversation
    solo = extension_user(tenant_a, "ann", acme.ext.sales)
    assert 'name="from_extension"' not in solo.get(thread_url(conversation)).content.decode()
    inbound(sender=CAROL, extensions=[acme.ext.bare])  # the conversation is now shared by 101 and 104
    both = extension_user(tenant_a, "ben", acme.ext.sales, acme.ext.bare)
    page = both.get(thread_url(conversation)).content.decode()
    assert 'name="from_extension"' in page and '<option value="104">' in page
    data = {"text": "From 104", "token": token_of(both.get(thread_url(conversation))), "from_extension": "104"}
    assert both.post(f"{thread_url(conversation)}reply/", data).status_code == 302
    assert Message.objects.get(direction="out").extension == acme.ext.bare


def test_a_reply_from_an_extension_that_is_not_the_users_is_refused_on_that_field(acme, tenant_a):
    inbound(sender=CAROL, extensions=[acme.ext.sales, acme.ext.bare])
    conversation = Conversation.objects.get()
    both = extension_user(tenant_a, "ben", acme.ext.sales, acme.ext.bare)
    data = {"text": "Hi", "token": token_of(both.get(thread_url(conversation))), "from_extension": "103"}
    refused = both.post(f"{thread_url(conversation)}reply/", data)
    assert refused.status_code == 200 and refused.context["form"].errors["from_extension"]
    assert not Message.objects.filter(direction="out").exists()


def test_new_conversation_sends_from_the_chosen_extension_and_opens_the_conversation(acme, tenant_a):
    ann = extension_user(tenant_a, "ann", acme.ext.sales)
    page = ann.get(NEW)
    assert page.status_code == 200
    assert [value for value, _ in page.context["form"].fields["from_extension"].choices] == ["101"]
    data = {"to": f"{CAROL}, {DAVE}", "from_extension": "101", "text": "Meeting at 3?", "token": token_of(page)}
    answer = ann.post(NEW, data)
    conversation = Conversation.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"{thread_url(conversation)}#latest"
    assert (conversation.our_number, conversation.participants) == (DID, [CAROL, DAVE])
    assert "Meeting at 3?" in ann.get(thread_url(conversation)).content.decode()


def test_new_conversation_offers_only_the_users_extensions_that_may_send(acme, tenant_a, client_a):
    ann = extension_user(tenant_a, "ann", acme.ext.sales, acme.ext.blocked)
    assert [v for v, _ in ann.get(NEW).context["form"].fields["from_extension"].choices] == ["101"]
    admin_choices = [v for v, _ in client_a.get(NEW).context["form"].fields["from_extension"].choices]
    assert admin_choices == ["", "101", "103", "104"]
    refused = ann.post(NEW, {"to": RECIPIENT, "from_extension": "103", "text": "Hi",
                             "token": token_of(ann.get(NEW))})
    assert refused.status_code == 200 and refused.context["form"].errors["from_extension"]
    assert not Message.objects.exists()


def test_new_conversation_refusals_show_next_to_their_fields(acme, client_a):
    refused = client_a.post(NEW, {"to": "not a number", "from_extension": "101", "text": "Hi",
                                  "token": token_of(client_a.get(NEW))})
    assert refused.status_code == 200 and refused.context["form"].errors["to"]
    assert not Message.objects.exists()
