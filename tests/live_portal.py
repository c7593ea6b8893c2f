"""The portal as a real server process (the production web command of portal/processes.py) on the test
database, for browser tests."""

import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager

from django.db import connection

from portal import processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def subprocess_database_url() -> str:
    db = connection.settings_dict
    if str(db.get("HOST") or "").startswith("/"):
        return f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def running_portal(extra_env: dict | None = None, output=subprocess.DEVNULL):
    """Start `python -m portal.processes web` (gunicorn) on a free port; yield its base URL; stop it.
    `output`: a file its standard output (the access log) and error output (the other log lines) go to."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DEBUG="1", DATABASE_URL=subprocess_database_url(), PORTAL_BASE_URL=base_url,
               WEB_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")
    env.update(extra_env or {})
    stderr = subprocess.PIPE if output is subprocess.DEVNULL else subprocess.STDOUT
    server = subprocess.Popen(processes.command("web"), env=env, stdout=output, stderr=stderr)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base_url + "/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    said = server.stderr.read().decode()[-2000:] if server.stderr else "(see its output)"
                    raise RuntimeError("the portal did not start: " + said) from None
                time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
