"""Inbound messages on the Messages screen: their extension or the Unrouted box, text and media."""

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from messaging.models import Extension, InboundRule, MessageMedia
from tests.messaging.factories import callback, receive_callbacks

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_inbound(tenant_a, acme_config, acme_trunk, media_in_tmp_path):
    with tenant_context(tenant_a):
        reception = Extension.objects.create(number="100", name="Reception")
        rule = InboundRule.objects.create(name="Main", trunk=acme_trunk, did_start="+19195550100",
                                          did_end="+19195550100")
        rule.extensions.add(reception)
        receive_callbacks(acme_config, callback("message-received", message__text="Routed hello"))
        receive_callbacks(acme_config, callback("message-received", to="+19195550999", message__id="nobody",
                                                message__text="Lost hello", message__media=[]))
        photo = MessageMedia.objects.get()
        photo.file.save("t_acme/photo.png", ContentFile(b"\x89PNG fake"), save=False)
        photo.content_type, photo.state = "image/png", "stored"
        photo.save()
        return photo


def test_inbound_messages_show_their_extension_text_and_thumbnail(client_a, stored_inbound):
    html = client_a.get("/t/acme/messages/?direction=in").content.decode()
    assert "Routed hello" in html and "Lost hello" in html
    assert f'src="/t/acme/media/{stored_inbound.pk}/"' in html
    assert client_a.get(f"/t/acme/media/{stored_inbound.pk}/").status_code == 200


def test_the_unrouted_box_counts_and_filters(client_a, stored_inbound):
    html = client_a.get("/t/acme/messages/").content.decode()
    assert 'data-testid="unrouted-box"' in html and "1 inbound message matched no inbound rule" in html
    only = client_a.get("/t/acme/messages/?unrouted=on").content.decode()
    assert "Lost hello" in only and "Routed hello" not in only


def test_a_failed_attachment_is_shown_with_its_reason(client_a, tenant_a, stored_inbound):
    with tenant_context(tenant_a):
        MessageMedia.objects.filter(pk=stored_inbound.pk).update(state="failed", file="", error="too large")
    html = client_a.get("/t/acme/messages/").content.decode()
    assert "attachment failed: too large" in html


def test_api_lists_inbound_with_extension_and_media_links(api_a, stored_inbound):
    results = api_a.get("/t/acme/api/v1/messages/?direction=in").json()["results"]
    routed = next(m for m in results if m["text"] == "Routed hello")
    assert routed["direction"] == "in" and routed["routed_to"]
    assert routed["media"] and "/media/" in routed["media"][0]


def test_admin_of_other_tenant_cannot_open_the_media(client_b, stored_inbound):
    assert client_b.get(f"/t/acme/media/{stored_inbound.pk}/").status_code == 404
