"""Too many requests answer 429 with Retry-After and the one error body: on the token endpoint per address and per
username, on the whole API per user. Rates are set low in each test; counts start at zero (tests/conftest.py)."""

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from portal.api import throttling
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


def ask_token(address: str, username: str = "admin_a", password: str = PASSWORD):
    return APIClient(REMOTE_ADDR=address).post(TOKEN, {"username": username, "password": password}, format="json")


def assert_throttled(answer) -> None:
    assert answer.status_code == 429, answer.content
    assert int(answer["Retry-After"]) > 0
    body = answer.json()
    assert body["code"] == "throttled" and body["fields"] == {} and "throttled" in body["detail"].lower()


def test_the_token_endpoint_limits_one_address(settings):
    settings.API_TOKEN_THROTTLE_RATE = "2/minute"
    assert ask_token("203.0.113.5").status_code == 200
    assert ask_token("203.0.113.5", username="admin_b").status_code == 200
    assert_throttled(ask_token("203.0.113.5", username="sysadmin"))
    assert ask_token("203.0.113.6", username="sysadmin").status_code == 200  # another address is not held


def test_the_token_endpoint_limits_one_username_across_addresses(settings):
    settings.API_TOKEN_THROTTLE_RATE = "2/minute"
    assert ask_token("203.0.113.10", password="wrong").status_code == 400
    assert ask_token("203.0.113.11", password="wrong").status_code == 400
    assert_throttled(ask_token("203.0.113.12"))
    assert ask_token("203.0.113.12", username="admin_b").status_code == 200


def test_the_api_limits_each_user(settings, admin_a, admin_b):
    settings.API_THROTTLE_RATE = "3/minute"
    busy, calm = APIClient(), APIClient()
    busy.force_authenticate(admin_a)
    calm.force_authenticate(admin_b)
    for _ in range(3):
        assert busy.get("/t/acme/api/v1/me/").status_code == 200
    assert_throttled(busy.get("/t/acme/api/v1/trunks/"))
    assert calm.get("/t/globex/api/v1/me/").status_code == 200


def test_a_redis_outage_lets_requests_through(settings, admin_a, monkeypatch):
    class DownCache:
        def get(self, *args, **kwargs):
            raise RedisConnectionError("down")

    monkeypatch.setattr(throttling.ApiRateThrottle, "cache", DownCache())
    settings.API_THROTTLE_RATE = "1/minute"
    client = APIClient()
    client.force_authenticate(admin_a)
    assert [client.get("/t/acme/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]


def test_the_schema_documents_429_on_every_operation():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "429" in operation["responses"], f"{method.upper()} {path}"
