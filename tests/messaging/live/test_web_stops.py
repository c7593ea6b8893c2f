"""The web process (ASGI) stops promptly on SIGTERM even with live streams open, instead of waiting for
gunicorn's 30 s graceful timeout."""

import os
import subprocess
import time
import urllib.request

from portal import processes
from tests.live_portal import free_port, subprocess_database_url
from tests.messaging.live.conftest import LIVE_PATH
from tests.messaging.live.sse import EventStream


def test_sigterm_with_an_open_stream_stops_within_seconds(people):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DEBUG="1", DATABASE_URL=subprocess_database_url(), PORTAL_BASE_URL=base_url,
               WEB_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
    server = subprocess.Popen(processes.command("web"), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base_url + "/healthz", timeout=1)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.2)
        stream = EventStream(base_url, LIVE_PATH, session=people.sessions["admin"])
        assert stream.status == 200

        started = time.monotonic()
        server.terminate()
        server.wait(timeout=30)
        stopped_after = time.monotonic() - started
        stream.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert stopped_after < 10  # the worker gives open requests 3 s; gunicorn alone would wait 30
