"""BANDWIDTH_REGISTRATION_REFRESH_MINUTES puts the registration refresh on beat's schedule (0: off)."""

import os
import subprocess
import sys

READ = ("import django; django.setup(); from django.conf import settings as s; "
        "entry = s.CELERY_BEAT_SCHEDULE.get('refresh-number-registrations'); "
        "print(entry and entry['task'], entry and entry['schedule'], s.BANDWIDTH_CAMPAIGN_API_PER_MINUTE)")


def start(**values: str) -> subprocess.CompletedProcess:
    names = {"BANDWIDTH_REGISTRATION_REFRESH_MINUTES", "BANDWIDTH_CAMPAIGN_API_PER_MINUTE"}
    environment = {key: item for key, item in os.environ.items() if key not in names}
    return subprocess.run([sys.executable, "-c", READ], capture_output=True, text=True, timeout=60,
                          env=environment | values | {"DJANGO_SETTINGS_MODULE": "portal.settings"})


def test_default_refreshes_every_six_hours_at_thirty_campaign_calls_a_minute():
    read = start()
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["messaging.refresh_number_registrations", "21600.0", "30.0"]


def test_zero_turns_the_periodic_refresh_off():
    assert start(BANDWIDTH_REGISTRATION_REFRESH_MINUTES="0").stdout.split() == ["None", "None", "30.0"]


def test_a_negative_interval_stops_start_up_naming_it():
    read = start(BANDWIDTH_REGISTRATION_REFRESH_MINUTES="-5")
    assert read.returncode != 0 and "BANDWIDTH_REGISTRATION_REFRESH_MINUTES" in read.stderr
