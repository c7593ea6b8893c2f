"""The web process's access log names every request's path, but never a webhook's token (the credential
Bandwidth posts with): it reads `/webhooks/bandwidth/***/`."""

import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from portal import processes
from tests.live_portal import free_port, subprocess_database_url

TOKEN = "q3Vb0QvJ6pXc2Ydz9Lk1Mn4Rs7Tu8Wx0Za5Bc6De7Fg"  # noqa: S105 - made up for the test


@pytest.mark.django_db
def test_the_access_log_never_shows_a_webhook_token(tmp_path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DEBUG="1", DATABASE_URL=subprocess_database_url(), PORTAL_BASE_URL=base_url,
               WEB_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
    log = tmp_path / "web.log"
    with log.open("wb") as output:
        server = subprocess.Popen(processes.command("web"), env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base_url + "/healthz", timeout=1)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        request = urllib.request.Request(f"{base_url}/webhooks/bandwidth/{TOKEN}/?x=1", data=b"[]", method="POST",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = log.read_text()
    assert '"POST /webhooks/bandwidth/***/?x=1' in written  # the request is in the access log...
    assert TOKEN not in written, written  # ...without its token
