"""A real Celery worker process for tests, on its own queue, against the test database."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

from django.db import connection

from portal.celery import app


@contextmanager
def running_worker(*, concurrency: int = 1):
    """Start `celery worker` on a fresh queue; yield the queue name; stop the worker."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    settings_dict = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@"
        f"{settings_dict['HOST'] or ''}:{settings_dict['PORT'] or ''}/{settings_dict['NAME']}"
    )
    if str(settings_dict.get("HOST", "")).startswith("/"):
        env["DATABASE_URL"] = f"postgres://{settings_dict['USER']}@/{settings_dict['NAME']}?host={settings_dict['HOST']}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--concurrency", str(concurrency),
         "--pool", "prefork", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning",
         "-n", f"{queue}@%h"],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5, destination=[f"{queue}@{os.uname().nodename}"])
            if replies:
                break
            if worker.poll() is not None:
                raise RuntimeError("the Celery worker exited at start")
        else:
            raise RuntimeError("the Celery worker did not answer within 60 s")
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
