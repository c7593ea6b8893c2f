"""A real Celery worker process for tests, on its own queue, against the test database."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

from portal.celery import app
from tests.live_portal import subprocess_database_url


@contextmanager
def running_worker(*, concurrency: int = 1, queue: str = "", extra_env: dict | None = None):
    """Start `celery worker` on a queue of its own (fresh unless given); yield the queue name; stop the worker."""
    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    env = dict(os.environ, DATABASE_URL=subprocess_database_url(), **(extra_env or {}))
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
