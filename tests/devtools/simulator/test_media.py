"""Media: upload, list (Test connection's call), download and delete, through the portal's client."""

from devtools.simulator import sample_png
from tests.devtools.simulator.conftest import ACCOUNT


def test_media_round_trip_with_the_client(simulator, bw):
    png = sample_png()
    url = bw.upload_media(name="cards/photo 1.png", content=png, content_type="image/png")
    assert url == f"{simulator.api_url}/users/{ACCOUNT}/media/cards/photo%201.png"
    assert bw.download_media(url, max_bytes=100_000) == (png, "image/png")
    bw.check_connection()
    assert bw.delete_media("cards/photo 1.png") is True
    assert bw.delete_media("cards/photo 1.png") is False


def test_media_list_has_bandwidths_shape(simulator, api):
    api("PUT", "/media/a.txt", data=b"hello", headers={"Content-Type": "text/plain"})
    listing = api("GET", "/media").json()
    assert listing == [{"content": f"{simulator.api_url}/users/{ACCOUNT}/media/a.txt", "contentLength": 5,
                        "mediaName": "a.txt"}]
    missing = api("GET", "/media/nope.txt")
    assert missing.status_code == 404 and missing.json()["type"] == "object-not-found"


def test_sample_picture_is_a_png():
    png = sample_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
