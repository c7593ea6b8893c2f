"""BANDWIDTH_DRIFT_CHECK_MINUTES puts the drift check on beat's schedule (every hour by default); 0 takes it off."""

import os
import subprocess
import sys

import pytest

READ = ("import django; django.setup(); from django.conf import settings as s; "
        "entry = s.CELERY_BEAT_SCHEDULE.get('check-bandwidth-connections'); "
        "print(s.BANDWIDTH_DRIFT_CHECK_MINUTES, entry and entry['task'], entry and entry['schedule'])")


def start(**values: str) -> subprocess.CompletedProcess:
    environment = {key: item for key, item in os.environ.items() if key != "BANDWIDTH_DRIFT_CHECK_MINUTES"}
    return subprocess.run([sys.executable, "-c", READ], capture_output=True, text=True, timeout=60,
                          env=environment | values | {"DJANGO_SETTINGS_MODULE": "portal.settings"})


@pytest.mark.parametrize(("values", "printed"), [
    ({}, ["60", "messaging.check_bandwidth_connections", "3600.0"]),
    ({"BANDWIDTH_DRIFT_CHECK_MINUTES": "15"}, ["15", "messaging.check_bandwidth_connections", "900.0"]),
    ({"BANDWIDTH_DRIFT_CHECK_MINUTES": "0"}, ["0", "None", "None"]),
])
def test_the_schedule_follows_the_setting(values, printed):
    read = start(**values)
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == printed


def test_a_negative_value_stops_start_up_naming_it():
    read = start(BANDWIDTH_DRIFT_CHECK_MINUTES="-5")
    assert read.returncode != 0 and "BANDWIDTH_DRIFT_CHECK_MINUTES" in read.stderr
