"""A FIELD_ENCRYPTION_KEY that cannot read the stored secrets, or that is no Fernet key at all, stops
`python -m portal.processes web/worker/beat` before it starts, with one message naming the variable."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django_tenants.utils import tenant_context

from portal import processes
from tenants.models import Tenant
from tests.live_portal import subprocess_database_url
from tests.messaging.factories import build_acme, clear_acme


@pytest.fixture
def stored_secret(django_db_setup, django_db_blocker):
    """Acme's configuration with its password, committed: the process reads it from its own connection."""
    with django_db_blocker.unblock(), tenant_context(Tenant.objects.get(slug="acme")):
        build_acme(Tenant.objects.get(slug="acme"))
        try:
            yield
        finally:
            clear_acme()


def start(process: str, key: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, DATABASE_URL=subprocess_database_url(), FIELD_ENCRYPTION_KEY=key)
    # Were the key accepted, the process would start for good: the timeout ends the test as a failure.
    return subprocess.run(processes.command(process), env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("process", ["web", "worker", "beat"])
def test_a_key_that_cannot_read_the_stored_secrets_stops_the_start(stored_secret, process):
    started = start(process, Fernet.generate_key().decode())
    assert started.returncode == 1
    lines = started.stderr.strip().splitlines()
    assert len(lines) == 1, started.stderr
    assert lines[0].startswith("Refusing to start: FIELD_ENCRYPTION_KEY cannot decrypt the stored secrets")
    assert "tenant t_acme" in lines[0]
    assert settings.FIELD_ENCRYPTION_KEYS[0] not in started.stderr + started.stdout


def test_a_rotation_that_keeps_the_old_key_second_passes_the_check(stored_secret):
    environment = dict(os.environ, DATABASE_URL=subprocess_database_url(),
                       FIELD_ENCRYPTION_KEY=f"{Fernet.generate_key().decode()},{settings.FIELD_ENCRYPTION_KEYS[0]}")
    checked = subprocess.run([sys.executable, "-c", "from portal import processes; "
                              "print(processes._stored_secrets_problem())"],
                             env=environment | {"DJANGO_SETTINGS_MODULE": "portal.settings"},
                             capture_output=True, text=True, timeout=60)
    assert checked.stdout.strip() == "None", checked.stderr


@pytest.mark.parametrize("key", ["not-a-key", "short,also-short"])
def test_a_malformed_key_stops_the_start_even_with_nothing_stored(django_db_setup, key):
    started = start("worker", key)
    assert started.returncode == 1
    assert started.stderr.strip().startswith(
        "Refusing to start: FIELD_ENCRYPTION_KEY must be one or more comma-separated Fernet keys")
    assert len(started.stderr.strip().splitlines()) == 1
