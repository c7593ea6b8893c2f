"""Real Celery processes for tests, started as production starts them (portal.processes), against the
test database."""

import os
import subprocess
import time
import uuid
from contextlib import contextmanager

from portal import processes
from portal.celery import app
from tests.live_portal import subprocess_database_url


@contextmanager
def running_worker(*, concurrency: int = 1, queue: str = "", extra_env: dict | None = None):
    """Start the production worker (`python -m portal.processes worker`) on a queue of its own (fresh
    unless given); yield the queue name; stop the worker."""
    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    argv = processes.command("worker", "-Q", queue, "--concurrency", str(concurrency), "--pool", "prefork",
                             "-n", f"{queue}@%h")
    with celery_process(argv, extra_env=extra_env, node=f"{queue}@{os.uname().nodename}"):
        yield queue


@contextmanager
def celery_process(argv: list[str], *, extra_env: dict | None = None, node: str | None = None):
    """Start a Celery worker with the command line `argv`, wait until it answers a ping (from `node`, or
    from any worker on the broker); yield its Popen; stop it (a warm shutdown, as systemd does)."""
    env = dict(os.environ, DATABASE_URL=subprocess_database_url(), LOG_LEVEL="WARNING", **(extra_env or {}))
    worker = subprocess.Popen(argv, env=env)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5, destination=[node] if node else None):
            if worker.poll() is not None:
                raise RuntimeError("the Celery worker exited at start")
            if time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not answer within 60 s")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@contextmanager
def using_broker(url: str):
    """Point this process's Celery app (publishing, remote control, results) at `url`, then back."""
    keys = ("broker_url", "result_backend")
    saved = {key: app.conf[key] for key in keys}
    _use(dict.fromkeys(keys, url))
    try:
        yield
    finally:
        _use(saved)


def _use(conf: dict) -> None:
    app.conf.update(conf)
    # The app holds on to kombu's connection and producer pools for the old URL: let go of both, as
    # Celery itself does after a fork, so the next publish looks up the pools of the URL now set.
    # (Not closed: kombu keeps them in a registry by URL and hands them out again.)
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)  # the result store, made per thread on first use
