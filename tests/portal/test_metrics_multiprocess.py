"""The web process's gunicorn workers each count the webhook in files of PROMETHEUS_MULTIPROC_DIR; any one of
them answers GET /metrics with the sum. The process table sets the folder up, empty, for each start."""

import os
import subprocess
import sys

from portal import processes

SETUP = "import django; django.setup(); from portal import metrics; "


def run(code: str, folder) -> str:
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(folder), DJANGO_SETTINGS_MODULE="portal.settings")
    done = subprocess.run([sys.executable, "-c", SETUP + code], env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def test_the_figures_of_every_web_worker_add_up(tmp_path):
    for _ in range(2):  # two worker processes, one webhook request each
        run("metrics.WEBHOOK_REQUESTS.labels('200').inc(); metrics.WEBHOOK_SECONDS.observe(0.02)", tmp_path)
    text = run("import sys; sys.stdout.write(metrics.render().decode())", tmp_path)
    assert 'portal_webhook_requests_total{status="200"} 2.0' in text
    assert "portal_webhook_request_seconds_count 2.0" in text


def test_the_web_starts_with_an_empty_metrics_folder(tmp_path):
    stale = tmp_path / "counter_123.db"
    stale.write_bytes(b"old figures")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    assert processes.prepare_metrics_dir(env, "0.0.0.0:8000") == tmp_path
    assert not stale.exists()


def test_without_a_folder_one_is_made_per_bind_address(tmp_path, monkeypatch):
    monkeypatch.setattr(processes.tempfile, "gettempdir", lambda: str(tmp_path))
    env: dict = {}
    folder = processes.prepare_metrics_dir(env, "127.0.0.1:8000")
    assert folder == tmp_path / "portal-metrics-127.0.0.1_8000" and folder.is_dir()
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
