"""The web process's access log names every request's path, but never a webhook's token (the credential
Bandwidth posts with): it reads `/webhooks/bandwidth/***/`."""

import urllib.error
import urllib.request

import pytest

from tests.live_portal import running_portal

TOKEN = "q3Vb0QvJ6pXc2Ydz9Lk1Mn4Rs7Tu8Wx0Za5Bc6De7Fg"  # noqa: S105 - made up for the test


@pytest.mark.django_db
def test_the_access_log_never_shows_a_webhook_token(tmp_path):
    log = tmp_path / "web.log"
    with log.open("wb") as output, running_portal({"WEB_CONCURRENCY": "1"}, output=output) as base_url:
        request = urllib.request.Request(f"{base_url}/webhooks/bandwidth/{TOKEN}/?x=1", data=b"[]", method="POST",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)
    written = log.read_text()
    assert '"POST /webhooks/bandwidth/***/?x=1' in written  # the request is in the access log...
    assert "Not Found: /webhooks/bandwidth/***/" in written  # ...and in Django's line about the 404...
    assert TOKEN not in written, written  # ...without its token
