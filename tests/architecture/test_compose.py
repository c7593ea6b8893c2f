"""docker-compose.yml runs production's processes as an operator expects: one release before anything serves
(so `web` scales without two releases migrating at once), the web port on the loopback for the TLS proxy,
and a worker given time to finish its tasks. (No container engine runs here: the file is read, not run.)"""

from pathlib import Path

import yaml

from portal import processes

COMPOSE = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PORTAL_SERVICES = ("release", "web", "worker", "beat")


def _names(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    assert command[:3] == ["python", "-m", "portal.processes"]
    return command[3:]


def test_each_portal_service_runs_one_entry_of_the_process_table():
    for service in PORTAL_SERVICES:
        assert _names(service) == [service]
        assert service in processes.PROCESSES


def test_migrations_run_once_in_a_one_shot_service_before_the_others():
    assert SERVICES["release"]["restart"] == "no"
    assert "release" not in _names("web")
    assert SERVICES["web"]["depends_on"]["release"] == {"condition": "service_completed_successfully"}
    for service in ("worker", "beat"):  # they wait for a healthy web, which waited for the release
        assert SERVICES[service]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_web_port_is_published_on_the_loopback_only():
    assert all(port.startswith("127.0.0.1:") for port in SERVICES["web"]["ports"])


def test_the_worker_has_time_to_finish_its_tasks_on_a_stop():
    grace = SERVICES["worker"]["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) >= 30
