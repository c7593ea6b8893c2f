"""TIME_ZONE and RETENTION_* come from the environment; a value that cannot work stops start-up, naming it; the
hourly purge is on beat's schedule."""

import os
import subprocess
import sys

import pytest

READ = ("import django; django.setup(); from django.conf import settings as s; "
        "print(s.TIME_ZONE, s.RETENTION_PAYLOAD_DAYS, s.RETENTION_MEDIA_DAYS, s.RETENTION_MESSAGE_DAYS, "
        "s.CELERY_BEAT_SCHEDULE['purge-expired-data']['task'], s.MIDDLEWARE[-1])")


def start(**values: str) -> subprocess.CompletedProcess:
    names = {"TIME_ZONE", "RETENTION_PAYLOAD_DAYS", "RETENTION_MEDIA_DAYS", "RETENTION_MESSAGE_DAYS"}
    environment = {key: item for key, item in os.environ.items() if key not in names}
    return subprocess.run([sys.executable, "-c", READ], capture_output=True, text=True, timeout=60,
                          env=environment | values | {"DJANGO_SETTINGS_MODULE": "portal.settings"})


def test_defaults_keep_messages_and_purge_hourly():
    read = start()
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["UTC", "30", "90", "0", "messaging.purge_expired_data_everywhere",
                                   "tenants.middleware.TimeZoneMiddleware"]


def test_values_are_read():
    read = start(TIME_ZONE="America/New_York", RETENTION_PAYLOAD_DAYS="7", RETENTION_MESSAGE_DAYS="365")
    assert read.stdout.split()[:4] == ["America/New_York", "7", "90", "365"]


@pytest.mark.parametrize("name, value, said", [
    ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE"),
    ("RETENTION_PAYLOAD_DAYS", "1", "Bandwidth retries for 24 h"),
    ("RETENTION_MEDIA_DAYS", "-1", "RETENTION_MEDIA_DAYS"),
])
def test_a_value_that_cannot_work_stops_start_up(name, value, said):
    read = start(**{name: value})
    assert read.returncode != 0 and said in read.stderr
