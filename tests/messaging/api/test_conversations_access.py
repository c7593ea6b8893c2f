"""Who reaches /t/<slug>/api/v1/conversations/: administrators see every conversation of the tenant, an
extension user those of their extensions; any other conversation, another tenant's administrator and an
extension user reaching for the rest of the tenant get the 404 of something that does not exist; anonymous
callers 401. Nothing is read, sent or marked on a refused request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from messaging.models import ConversationRead, Message
from tests.messaging.conversations.builders import CUSTOMER, extension_user, receive, route_did
from tests.messaging.factories import DID, OTHER_DID, in_acme

pytestmark = pytest.mark.usefixtures("media_in_tmp_path")

CONVERSATIONS = "/t/acme/api/v1/conversations/"
NOT_FOUND = {"detail": "Not found.", "code": "not_found", "fields": {}}


@pytest.fixture
def lines(acme, api_a):
    """101 answers DID, 103 answers OTHER_DID; each has a conversation; the one on OTHER_DID has a reply
    with an attachment. Carol serves 101."""
    route_did(acme, DID, acme.ext.sales)
    route_did(acme, OTHER_DID, acme.ext.chooser)
    mine = receive(acme, sender=CUSTOMER, on=DID).conversation
    theirs = receive(acme, sender=CUSTOMER, on=OTHER_DID).conversation
    picture = SimpleUploadedFile("map.png", b"\x89PNG map", content_type="image/png")
    reply = api_a.post(f"{CONVERSATIONS}{theirs.pk}/messages/", {"text": "", "media": [picture]},
                       format="multipart").json()
    carol = extension_user(acme, "carol", acme.ext.sales)
    return acme, mine, theirs, reply, carol


def requests_about(conversation, reply=None):
    """Every request about one conversation: (method, path, body)."""
    base = f"{CONVERSATIONS}{conversation.pk}/"
    calls = [("get", base, None), ("get", f"{base}messages/", None), ("post", f"{base}messages/", {"text": "Hi"}),
             ("post", f"{base}read/", None)]
    if reply:
        calls.append(("get", f"{base}messages/{reply['id']}/media/0/", None))
    return calls


def send(client, method, path, body):
    return getattr(client, method)(path, body, format="json") if body else getattr(client, method)(path)


def test_an_administrator_sees_every_conversation(lines, api_a):
    _, mine, theirs, _, _ = lines
    listed = [c["id"] for c in api_a.get(CONVERSATIONS).json()["results"]]
    assert sorted(listed) == sorted([mine.pk, theirs.pk])


def test_a_system_administrator_managing_the_tenant_sees_every_conversation(lines, api_client, sysadmin):
    api_client.force_authenticate(sysadmin)
    assert len(api_client.get(CONVERSATIONS).json()["results"]) == 2


def test_an_extension_user_sees_only_their_extensions_conversations(lines, api_client):
    _, mine, theirs, _, carol = lines
    api_client.force_authenticate(carol)
    listed = api_client.get(CONVERSATIONS).json()["results"]
    assert [c["id"] for c in listed] == [mine.pk]
    assert api_client.get(CONVERSATIONS, {"q": CUSTOMER}).json()["results"] == listed
    for method, path, body in requests_about(mine):
        assert send(api_client, method, path, body).status_code in (200, 202), (method, path)


def test_another_extensions_conversation_is_404_like_one_that_does_not_exist(lines, api_client):
    _, _, theirs, reply, carol = lines
    api_client.force_authenticate(carol)
    sent_before = Message.objects.count()
    for method, path, body in requests_about(theirs, reply):
        answer = send(api_client, method, path, body)
        assert answer.status_code == 404, (method, path)
        assert answer.json() == NOT_FOUND, (method, path)
    assert api_client.get(f"{CONVERSATIONS}999999/").json() == NOT_FOUND
    assert Message.objects.count() == sent_before
    assert not ConversationRead.objects.filter(conversation=theirs).exists()


def test_an_extension_user_still_gets_404_for_the_rest_of_the_tenant(lines, api_client):
    _, _, _, reply, carol = lines
    api_client.force_authenticate(carol)
    for path in ("trunks/", "messages/", f"messages/{reply['id']}/", "users/", "extensions/", "outbound-rules/"):
        assert api_client.get(f"/t/acme/api/v1/{path}").status_code == 404, path


def test_an_extension_user_cannot_start_a_conversation_from_another_extension(lines, api_client):
    _, _, _, _, carol = lines
    api_client.force_authenticate(carol)
    answer = api_client.post(CONVERSATIONS, {"from_extension": "103", "to": CUSTOMER, "text": "Hi"}, format="json")
    assert answer.status_code == 400 and "from_extension" in answer.json()["fields"]


def test_another_tenants_administrator_gets_404_everywhere(lines, api_b, tenant_a):
    _, mine, theirs, reply, _ = lines
    sent_before = Message.objects.count()
    assert api_b.get(CONVERSATIONS).status_code == 404
    assert api_b.post(CONVERSATIONS, {"from_extension": "101", "to": CUSTOMER, "text": "Hi"},
                      format="json").status_code == 404
    for method, path, body in requests_about(mine) + requests_about(theirs, reply):
        answer = send(api_b, method, path, body)
        assert answer.status_code == 404 and answer.json() == NOT_FOUND, (method, path)
    assert in_acme(tenant_a, lambda: (Message.objects.count(), ConversationRead.objects.count())) == (sent_before, 0)


def test_anonymous_callers_get_401(lines):
    _, mine, _, reply, _ = lines
    api_client = APIClient()  # the fixture's client is signed in by `lines`
    assert api_client.get(CONVERSATIONS).status_code == 401
    assert api_client.post(CONVERSATIONS, {"to": CUSTOMER, "text": "Hi"}, format="json").status_code == 401
    for method, path, body in requests_about(mine, reply):
        answer = send(api_client, method, path, body)
        assert answer.status_code == 401 and answer.json()["code"] == "not_authenticated", (method, path)


@pytest.mark.parametrize("suffix", ["99999999999999999999/", "abc/", "-1/read/", "1/messages/x/media/0/"])
def test_an_id_that_is_no_number_is_404_not_an_error(lines, api_a, suffix):
    assert api_a.get(f"{CONVERSATIONS}{suffix}").status_code == 404
