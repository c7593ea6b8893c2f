"""client_ip: REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies stand in front; then the Nth address from the right
of X-Forwarded-For, so addresses a client writes into the header never count."""

import os
import subprocess
import sys

import pytest
from django.test import RequestFactory

from portal.client_ip import client_ip

PROXY = "10.0.0.5"


def request(forwarded: str | None = None, remote: str = PROXY):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize("forwarded", [None, "198.51.100.7", "198.51.100.7, 203.0.113.9"])
def test_without_trusted_proxies_only_the_connection_counts(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded)) == PROXY


@pytest.mark.parametrize("hops, forwarded, expected", [
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the client wrote the first one
    (1, "1.1.1.1,2.2.2.2,  203.0.113.9 ", "203.0.113.9"),
    (2, "198.51.100.7, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
    (2, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the entries are still theirs
    (1, "[2001:db8::7]:443", "2001:db8::7"),
    (1, "203.0.113.9:51234", "203.0.113.9"),
    (1, "2001:DB8:0::7", "2001:db8::7"),
    (1, "fe80::1%eth0", "fe80::1"),
])
def test_behind_trusted_proxies_the_nth_address_from_the_right_is_the_client(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    assert client_ip(request(forwarded)) == expected


@pytest.mark.parametrize("forwarded", [None, "", " , ", "unknown", "203.0.113.9, not-an-address", "\x00"])
def test_behind_a_proxy_a_missing_or_unreadable_entry_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded)) == PROXY


def test_no_valid_address_at_all_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(remote="")) is None
    assert client_ip(request(remote="garbage")) is None


@pytest.mark.parametrize("value, shown", [(None, "0"), ("2", "2"), ("-1", "at least 0"), ("one", "whole number")])
def test_the_setting_comes_from_the_environment_and_defaults_to_zero(value, shown):
    environment = {key: item for key, item in os.environ.items() if key != "TRUSTED_PROXY_COUNT"}
    if value is not None:
        environment["TRUSTED_PROXY_COUNT"] = value
    read = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.TRUSTED_PROXY_COUNT, settings.AXES_CLIENT_IP_CALLABLE)"],
        env=environment | {"DJANGO_SETTINGS_MODULE": "portal.settings"}, capture_output=True, text=True, timeout=60,
    )
    assert shown in read.stdout + read.stderr
    if read.returncode == 0:
        assert read.stdout.split()[1] == "portal.client_ip.client_ip"
