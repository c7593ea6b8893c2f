"""Inbound MMS media: fetched with the configuration's credentials, only from Bandwidth, within limits."""

import pytest
import requests
import responses
from django_tenants.utils import tenant_context

from messaging.models import Message, MessageMedia
from messaging.services.inbound import media
from tests.messaging.factories import callback, receive_callbacks

# The token is "tok", the files go to tmp_path.
pytestmark = [pytest.mark.django_db, pytest.mark.bandwidth(token="tok"), pytest.mark.usefixtures("media_in_tmp_path")]

PHOTO_URL = "https://messaging.bandwidth.com/api/v2/users/9900123/media/14762070468292kw2fuqty55yp2b2/0/photo.jpg"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def received_media(tenant, configuration, url=PHOTO_URL) -> MessageMedia:
    receive_callbacks(configuration, callback("message-received", message__media=[url]))
    return MessageMedia.objects.get()


def test_media_is_downloaded_with_the_token_and_stored(tenant_a, acme_config, bandwidth, client_a):
    bandwidth.add(responses.GET, PHOTO_URL, body=PNG, content_type="image/png")
    with tenant_context(tenant_a):
        item = received_media(tenant_a, acme_config)
        media.download_media(media_id=item.pk)
        item.refresh_from_db()
    assert (item.state, item.content_type, item.size) == ("stored", "image/png", len(PNG))
    assert bandwidth.calls[-1].request.headers["Authorization"] == "Bearer tok"
    assert item.file.name.startswith("mms/") and "t_acme" in item.file.name

    served = client_a.get(f"/t/acme/media/{item.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png"


def test_media_is_served_only_inside_its_tenant(tenant_a, acme_config, bandwidth, client_b):
    bandwidth.add(responses.GET, PHOTO_URL, body=PNG, content_type="image/png")
    with tenant_context(tenant_a):
        item = received_media(tenant_a, acme_config)
        media.download_media(media_id=item.pk)
    assert client_b.get(f"/t/acme/media/{item.pk}/").status_code == 404
    assert client_b.get(f"/t/globex/media/{item.pk}/").status_code == 404


def test_a_foreign_host_is_refused_without_a_request(tenant_a, acme_config, bandwidth):
    with tenant_context(tenant_a):
        item = received_media(tenant_a, acme_config, url="https://evil.example.com/steal.png")
        media.download_media(media_id=item.pk)
        item.refresh_from_db()
    assert item.state == "failed" and item.error
    assert not any("evil.example.com" in call.request.url for call in bandwidth.calls)


def test_an_oversize_file_is_refused_and_shown(tenant_a, acme_config, bandwidth, settings):
    settings.MMS_MAX_BYTES = 1000
    bandwidth.add(responses.GET, PHOTO_URL, body=b"x" * 5000, content_type="image/jpeg")
    with tenant_context(tenant_a):
        item = received_media(tenant_a, acme_config)
        media.download_media(media_id=item.pk)
        item.refresh_from_db()
    assert item.state == "failed" and not item.file


def test_a_type_not_allowed_is_refused(tenant_a, acme_config, bandwidth):
    bandwidth.add(responses.GET, PHOTO_URL, body=b"MZ...", content_type="application/x-msdownload")
    with tenant_context(tenant_a):
        item = received_media(tenant_a, acme_config)
        media.download_media(media_id=item.pk)
        item.refresh_from_db()
    assert item.state == "failed" and "application/x-msdownload" in item.error


def test_bandwidth_trouble_is_retried_not_dropped(tenant_a, acme_config, bandwidth):
    bandwidth.add(responses.GET, PHOTO_URL, status=503)
    bandwidth.add(responses.GET, PHOTO_URL, body=requests.ConnectionError("refused"))
    with tenant_context(tenant_a):
        item = received_media(tenant_a, acme_config)
        for _ in range(2):
            with pytest.raises(media.MediaDownloadFailed):
                media.download_media(media_id=item.pk)
        item.refresh_from_db()
        assert item.state == "pending" and item.attempts == 2
        media.mark_failed_after_retries(media_id=item.pk, reason="Bandwidth unreachable")
        item.refresh_from_db()
        assert Message.objects.count() == 1  # the message itself is kept, with its failed attachment shown
    assert item.state == "failed" and "after 2 attempts" in item.error


@pytest.mark.parametrize("content_type", ["video/3gpp", "text/x-vcard"])
def test_phone_types_outside_bandwidths_upload_list_are_still_received(tenant_a, acme_config, bandwidth,
                                                                     content_type):
    bandwidth.add(responses.GET, PHOTO_URL, body=b"0123456789", content_type=content_type)
    with tenant_context(tenant_a):
        item = received_media(tenant_a, acme_config)
        media.download_media(media_id=item.pk)
        item.refresh_from_db()
    assert (item.state, item.content_type) == ("stored", content_type)
