"""Media: upload, download (Bandwidth hosts only, no redirects, size cap) and delete."""

import pytest

from messaging.bandwidth import BandwidthAuthError, BandwidthClient, BandwidthMediaRefused
from tests.messaging.factories import ACCOUNT, API_URL, OAUTH, TOKEN_URL
from tests.messaging.factories import MEDIA_URL as MEDIA

INBOUND = f"{MEDIA}/14762070468292kw2fuqty55yp2b2/0/photo.jpg"


def client(api=API_URL):
    return BandwidthClient(OAUTH, messaging_api_url=api, oauth_token_url=TOKEN_URL)


def test_upload_puts_the_file_and_returns_its_url(bandwidth):
    upload = bandwidth.put(f"{MEDIA}/invoice%2042.pdf", status=204)
    url = client().upload_media(name="invoice 42.pdf", content=b"%PDF-1.7", content_type="application/pdf")
    request = upload.calls[0].request
    assert url == f"{MEDIA}/invoice%2042.pdf"
    assert request.headers["Content-Type"] == "application/pdf"
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.body == b"%PDF-1.7"


@pytest.mark.parametrize("name", ["", "../other/media", "a//b", "bad\nname"])
def test_unusable_media_names_are_refused(name):
    with pytest.raises(ValueError):
        client().media_url(name)


def test_download_from_bandwidth_returns_content_and_type(bandwidth):
    download = bandwidth.get(INBOUND, body=b"\xff\xd8jpeg", content_type="image/jpeg")
    content, content_type = client().download_media(INBOUND, max_bytes=1024)
    assert (content, content_type) == (b"\xff\xd8jpeg", "image/jpeg")
    assert download.calls[0].request.headers["Authorization"] == "Bearer token-1"


def test_download_from_the_configured_api_host_is_allowed(bandwidth):
    simulator = "http://127.0.0.1:9077/api/v2"
    url = f"{simulator}/users/{ACCOUNT}/media/m-1/0/a.png"
    bandwidth.get(url, body=b"png", content_type="image/png")
    assert client(simulator).download_media(url, max_bytes=1024) == (b"png", "image/png")


@pytest.mark.parametrize("url", [
    "https://evil.example/api/v2/users/9900123/media/a.jpg",
    "https://messaging.bandwidth.com@evil.example/a.jpg",
    "https://user:pw@messaging.bandwidth.com/api/v2/users/9900123/media/a.jpg",
    "http://messaging.bandwidth.com/api/v2/users/9900123/media/a.jpg",
    "https://messaging.bandwidth.com:8443/api/v2/users/9900123/media/a.jpg",
    "https://[::1/a.jpg",
    "file:///etc/passwd",
])
def test_download_from_another_host_is_refused_without_a_request(bandwidth, url):
    with pytest.raises(BandwidthMediaRefused) as caught:
        client().download_media(url, max_bytes=1024)
    assert caught.value.error_type == "foreign-host"
    assert len(bandwidth.calls) == 0


def test_redirect_is_refused_and_not_followed(bandwidth):
    bandwidth.get(INBOUND, status=302, headers={"Location": "https://cdn.evil.example/a.jpg"})
    elsewhere = bandwidth.get("https://cdn.evil.example/a.jpg", body=b"x")
    with pytest.raises(BandwidthMediaRefused) as caught:
        client().download_media(INBOUND, max_bytes=1024)
    assert caught.value.error_type == "redirect"
    assert elsewhere.call_count == 0


def test_oversize_declared_length_is_refused(bandwidth):
    bandwidth.get(INBOUND, body=b"x" * 2048, auto_calculate_content_length=True)
    with pytest.raises(BandwidthMediaRefused) as caught:
        client().download_media(INBOUND, max_bytes=1024)
    assert caught.value.error_type == "too-large"


def test_oversize_stream_without_length_is_refused(bandwidth):
    bandwidth.get(INBOUND, body=b"x" * 200_000)
    with pytest.raises(BandwidthMediaRefused):
        client().download_media(INBOUND, max_bytes=100_000)


def test_file_of_exactly_the_cap_is_accepted(bandwidth):
    bandwidth.get(INBOUND, body=b"x" * 1024)
    assert client().download_media(INBOUND, max_bytes=1024)[0] == b"x" * 1024


def test_download_with_rejected_credentials_is_an_auth_error(bandwidth):
    download = bandwidth.get(INBOUND, status=401, json={"type": "unauthorized"})
    with pytest.raises(BandwidthAuthError):
        client().download_media(INBOUND, max_bytes=1024)
    assert download.call_count == 2


def test_delete_says_whether_the_file_was_there(bandwidth):
    bandwidth.delete(f"{MEDIA}/a.jpg", status=204)
    bandwidth.delete(f"{MEDIA}/gone.jpg", status=404, json={"type": "not-found"})
    assert client().delete_media("a.jpg") is True
    assert client().delete_media("gone.jpg") is False
