"""The web process's gunicorn settings come from the environment, as the Docker image and compose pass them."""

import os
import subprocess

import pytest

from portal import processes


def _gunicorn_config(**env: str) -> dict[str, str]:
    """What gunicorn itself makes of the web command line under `env` (its --print-config)."""
    environ = {**os.environ, **env}
    argv = processes.commands("web", "--print-config", env=environ)[-1]
    printed = subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=60, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition("=") for line in printed.splitlines())}


def test_workers_and_timeouts_follow_the_environment():
    config = _gunicorn_config(WEB_CONCURRENCY="3", WEB_TIMEOUT="91", WEB_GRACEFUL_TIMEOUT="12", WEB_KEEPALIVE="75",
                              WEB_BIND="127.0.0.1:8123")
    assert config["workers"] == "3"
    assert config["timeout"] == "91"
    assert config["graceful_timeout"] == "12"
    assert config["keepalive"] == "75"
    assert config["bind"] == "['127.0.0.1:8123']"


def test_defaults_without_environment():
    env = {name: "" for name in ("WEB_TIMEOUT", "WEB_GRACEFUL_TIMEOUT", "WEB_KEEPALIVE")}
    config = _gunicorn_config(**env)
    assert (config["timeout"], config["graceful_timeout"], config["keepalive"]) == ("30", "30", "5")


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_a_timeout_that_is_no_number_of_seconds_stops_the_start(value):
    started = subprocess.run(processes.command("web"), env={**os.environ, "WEB_TIMEOUT": value},
                             capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert "WEB_TIMEOUT must be a whole number of seconds" in started.stderr
