"""BEHIND_TLS_PROXY: plain HTTP is redirected to HTTPS, HSTS is sent, cookies are secure; /healthz stays reachable
over plain HTTP (the container's own health check) and Bandwidth's callbacks through the proxy are not
redirected."""

import os
import subprocess
import sys

import pytest
from django.test import Client

SHOW = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER")


def settings_with(**variables: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("SECURE_", "BEHIND_TLS_PROXY", "SESSION_COOKIE_SECURE"))}
    environment |= {"DJANGO_SETTINGS_MODULE": "portal.settings", **variables}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
         f"print(*[getattr(s, name) for name in {SHOW!r}], sep='|')"],
        env=environment, capture_output=True, text=True, timeout=60,
    )


def test_behind_the_proxy_redirects_sends_hsts_for_a_year_and_secures_cookies():
    read = settings_with(BEHIND_TLS_PROXY="1", PORTAL_BASE_URL="https://portal.example.com")
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip().split("|") == [
        "True", "31536000", "False", "False", "True", "True", "('HTTP_X_FORWARDED_PROTO', 'https')"]


def test_hsts_length_subdomains_and_preload_come_from_the_environment():
    read = settings_with(BEHIND_TLS_PROXY="1", PORTAL_BASE_URL="https://portal.example.com",
                         SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="yes")
    assert read.stdout.strip().split("|")[1:4] == ["600", "True", "True"]


def test_without_the_proxy_nothing_is_redirected_nor_pinned():
    read = settings_with(PORTAL_BASE_URL="http://127.0.0.1:8000")
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip().split("|")[:4] == ["False", "0", "False", "False"]


def test_a_plain_http_base_url_behind_the_proxy_stops_start_up_naming_it():
    read = settings_with(BEHIND_TLS_PROXY="1", PORTAL_BASE_URL="http://portal.example.com")
    assert read.returncode != 0
    assert "PORTAL_BASE_URL must start with https:// when BEHIND_TLS_PROXY is on" in read.stderr


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
    settings.SECURE_HSTS_SECONDS = 31536000


@pytest.mark.django_db
def test_plain_http_is_redirected_and_https_gets_hsts(behind_proxy):
    plain = Client().get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    secure = Client().get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.django_db
def test_healthz_answers_over_plain_http(behind_proxy):
    assert Client().get("/healthz").status_code in (200, 503)  # its own answer, never a redirect


@pytest.mark.django_db
def test_a_callback_through_the_proxy_is_not_redirected(behind_proxy):
    answer = Client().post("/webhooks/bandwidth/unknown-token/", "[]", content_type="application/json",
                           HTTP_X_FORWARDED_PROTO="https")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
