"""A real worker started as production starts it, with LOG_FORMAT=json: its lines are JSON objects, and the
lines of a task carry the request id it was published with and the tenant it runs in."""

import json
import os
import subprocess
import time
import uuid

import pytest
from django_tenants.utils import tenant_context

from messaging import tasks
from portal import logs, processes
from portal.celery import app
from tenants.models import Tenant
from tests.live_portal import subprocess_database_url

pytestmark = pytest.mark.worker


def test_the_workers_lines_carry_the_publishing_requests_id_and_tenant(django_db_setup, django_db_blocker, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@{os.uname().nodename}"
    log = tmp_path / "worker.log"
    env = dict(os.environ, DATABASE_URL=subprocess_database_url(), LOG_LEVEL="INFO", LOG_FORMAT="json")
    argv = processes.command("worker", "-Q", queue, "--concurrency", "1", "--pool", "prefork", "-n", node)
    with log.open("w") as output:
        worker = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5, destination=[node]):
            assert worker.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the worker did not answer within 60 s"
        # As messaging.dispatch publishes inside a request of tenant acme (no such message: the task just ends).
        with django_db_blocker.unblock(), tenant_context(Tenant.objects.get(slug="acme")):
            with logs.bound(request_id="req-worker-1"):
                tasks.deliver_message.apply_async(args=[987654321], queue=queue, headers=logs.task_headers())
        deadline = time.monotonic() + 60
        while "req-worker-1" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    (done,) = [r for r in records if r.get("request_id") == "req-worker-1"]
    assert "succeeded" in done["message"] and done["tenant"] == "acme"
    assert any(r["logger"].startswith("celery") for r in records)  # Celery's own lines are JSON too
