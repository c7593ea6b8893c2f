"""Who reaches the Inbox: an extension user lands on it and sees only their extensions' conversations;
another extension's user, another tenant's administrator and anyone signed out find nothing there."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from messaging.models import Message, MessageMedia
from tests.conftest import PASSWORD
from tests.messaging.screens.inbox_helpers import INBOX, extension_user, inbound, thread_url, token_of

pytestmark = pytest.mark.django_db

CAROL = "+19195550142"


@pytest.fixture
def carols(acme, media_in_tmp_path):
    """Carol's conversation with extension 101 (Sales), with a stored picture."""
    message = inbound(sender=CAROL, text="Secret plans", extensions=[acme.ext.sales])
    media = MessageMedia.objects.create(message=message, state="stored", content_type="image/png",
                                        file=ContentFile(b"\x89PNG", name="plans.png"))
    return message.conversation, media


def urls(conversation, media) -> list[tuple[str, str]]:
    return [("get", thread_url(conversation)), ("get", f"{thread_url(conversation)}?fragment=messages"),
            ("post", f"{thread_url(conversation)}reply/"),
            ("get", f"{thread_url(conversation)}media/{media.pk}/")]


def test_an_extension_user_lands_on_the_inbox_and_reaches_their_conversation(acme, tenant_a, carols):
    conversation, media = carols
    ann = extension_user(tenant_a, "ann", acme.ext.sales)
    assert ann.get("/t/acme/")["Location"] == INBOX
    assert ann.get("/t/acme/welcome/")["Location"] == INBOX
    page = ann.get(INBOX).content.decode()
    assert "Secret plans" in page and 'data-testid="nav-inbox"' in page
    for closed in ("/t/acme/trunks/", "/t/acme/users/", "/t/acme/messages/"):
        assert f'href="{closed}"' not in page
    assert ann.get(thread_url(conversation)).status_code == 200
    assert ann.get(f"{thread_url(conversation)}media/{media.pk}/").status_code == 200
    data = {"text": "Hi", "token": token_of(ann.get(thread_url(conversation)))}
    assert ann.post(f"{thread_url(conversation)}reply/", data).status_code == 302


def test_an_extension_user_still_gets_404_on_the_rest_of_the_tenant(acme, tenant_a):
    ann = extension_user(tenant_a, "ann", acme.ext.sales)
    for path in ("/t/acme/trunks/", "/t/acme/messages/", "/t/acme/messages/compose/", "/t/acme/media/1/"):
        assert ann.get(path).status_code == 404, path


def test_another_extensions_user_gets_404_and_sends_nothing(acme, tenant_a, carols):
    conversation, media = carols
    other = extension_user(tenant_a, "otto", acme.ext.bare)
    assert "Secret plans" not in other.get(INBOX).content.decode()
    assert "Secret plans" not in other.get(INBOX, {"fragment": "list"}).content.decode()
    for method, url in urls(conversation, media):
        assert getattr(other, method)(url, {"text": "Hijack"}).status_code == 404, url
    assert not Message.objects.filter(direction="out").exists()


def test_an_extension_user_without_extensions_sees_an_empty_inbox(acme, tenant_a, carols):
    nobody = extension_user(tenant_a, "nobody")
    assert list(nobody.get(INBOX).context["page"].object_list) == []
    assert nobody.get(thread_url(carols[0])).status_code == 404


def test_another_tenants_administrator_gets_404(client_b, tenant_a, carols):
    conversation, media = carols
    assert client_b.get(INBOX).status_code == 404
    assert client_b.get(f"{INBOX}new/").status_code == 404
    for method, url in urls(conversation, media):
        assert getattr(client_b, method)(url, {"text": "Hijack"}).status_code == 404, url
    # Globex's own Inbox does not show Acme's conversation under the same id.
    assert client_b.get(f"/t/globex/inbox/{conversation.pk}/").status_code == 404
    assert not Message.objects.filter(direction="out").exists()


def test_an_extension_user_of_another_tenant_gets_404(acme, tenant_b, carols):
    conversation, _ = carols
    stranger = extension_user(tenant_b, "stranger")
    assert stranger.get(INBOX).status_code == 404
    assert stranger.get(thread_url(conversation)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(carols):
    conversation, media = carols
    anonymous = Client()
    for method, url in [("get", INBOX), ("get", f"{INBOX}new/"), *urls(conversation, media)]:
        answer = getattr(anonymous, method)(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url


def test_a_system_administrator_managing_the_tenant_sees_every_conversation(sysadmin_client, carols):
    conversation, _ = carols
    assert "Secret plans" in sysadmin_client.get(INBOX).content.decode()
    assert sysadmin_client.get(thread_url(conversation)).status_code == 200


def test_an_extension_user_signs_in_and_lands_on_the_inbox(acme, tenant_a):
    extension_user(tenant_a, "ann", acme.ext.sales)
    client = Client()
    assert client.post("/login/", {"username": "ann", "password": PASSWORD}).status_code == 302
    assert client.get("/t/acme/", follow=True).redirect_chain[-1][0] == INBOX
