"""OAuth client credentials and legacy Basic: token requests, the shared cache, one refetch on 401."""

import base64
import threading
import time
from urllib.parse import parse_qs

import pytest
import redis
import requests
import responses
from django.conf import settings
from django.core.cache import cache

from messaging.bandwidth import BandwidthAuthError, BandwidthClient, BandwidthUnavailable, Credentials, auth
from messaging.bandwidth.errors import BandwidthRequestError
from tests.messaging.factories import ACCOUNT, API_URL, OAUTH, SEND_URL, TOKEN_URL

# No token unless a test fakes its own: these tests are about the token requests. Every faked answer is used.
pytestmark = pytest.mark.bandwidth(token=None, strict=True)

LEGACY = Credentials(account_id=ACCOUNT, username="api-user", password="legacy-pass-xyz", auth_type="legacy")
ACCEPTED = {"id": "1589228074636lm4k2je7j7jklbn2", "segmentCount": 1, "time": "2026-11-24T20:14:34.636Z"}


def client(credentials=OAUTH):
    return BandwidthClient(credentials, messaging_api_url=API_URL, oauth_token_url=TOKEN_URL)


def token(mock, value="token-1", expires_in=3600, **kwargs):
    return mock.post(TOKEN_URL, json={"access_token": value, "token_type": "Bearer", "expires_in": expires_in},
                     **kwargs)


def send(c):
    return c.send_message(application_id="app-1", to=["+19195550199"], from_="+19195550100", text="Hi")


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_token_request_uses_basic_client_credentials_and_form_grant(bandwidth):
    grant = token(bandwidth)
    bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client())
    request = grant.calls[0].request
    assert request.headers["Authorization"] == basic("client-id", "client-secret-xyz")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {"grant_type": ["client_credentials"]}


def test_one_token_serves_many_sends_and_other_clients(bandwidth):
    grant = token(bandwidth)
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    for _ in range(3):
        send(client())
    assert grant.call_count == 1
    assert api.call_count == 3
    assert {c.request.headers["Authorization"] for c in api.calls} == {"Bearer token-1"}


def test_cache_key_is_a_hash_and_holds_the_token_until_a_minute_before_expiry(bandwidth):
    token(bandwidth, expires_in=3600)
    bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client())
    keys = [key.decode() for key in redis.Redis.from_url(settings.REDIS_URL).keys("*oauth-token*")]
    assert keys and not any("client-secret-xyz" in key or "client-id" in key for key in keys)
    key = cache.make_and_validate_key(auth.token_cache_key(OAUTH, TOKEN_URL))
    assert 3530 <= redis.Redis.from_url(settings.REDIS_URL).ttl(key) <= 3540


def test_short_lived_token_is_kept_half_its_life():
    assert auth.cache_lifetime(3600) == 3540
    assert auth.cache_lifetime(100) == 50
    assert auth.cache_lifetime(1) == 0


def test_another_secret_gets_its_own_token(bandwidth):
    grant = token(bandwidth)
    bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client())
    send(client(Credentials(account_id=ACCOUNT, username="client-id", password="other-secret")))
    assert grant.call_count == 2


def test_expired_token_gets_401_then_one_refetch_then_success(bandwidth):
    tokens = iter(["stale", "fresh"])
    grant = bandwidth.add_callback(
        responses.POST, TOKEN_URL, callback=lambda request: (200, {}, f'{{"access_token": "{next(tokens)}"}}')
    )
    answers = iter([(401, {}, '{"type": "unauthorized"}'), (202, {}, '{"id": "m-1"}')])
    api = bandwidth.add_callback(responses.POST, SEND_URL, callback=lambda request: next(answers))
    sent = send(client())
    assert sent.id == "m-1"
    assert grant.call_count == 2
    assert [c.request.headers["Authorization"] for c in api.calls] == ["Bearer stale", "Bearer fresh"]
    assert cache.get(auth.token_cache_key(OAUTH, TOKEN_URL)) == "fresh"


def test_401_twice_gives_up_with_auth_error(bandwidth):
    grant = token(bandwidth)
    api = bandwidth.post(SEND_URL, status=401, json={"type": "unauthorized", "description": "bad token"})
    with pytest.raises(BandwidthAuthError) as caught:
        send(client())
    assert grant.call_count == 2
    assert api.call_count == 2
    assert caught.value.status == 401
    assert not caught.value.transient
    assert "Account ID" in caught.value.user_message


def test_401_does_not_evict_a_newer_token():
    key = auth.token_cache_key(OAUTH, TOKEN_URL)
    cache.set(key, "newer", 60)
    auth.invalidate_access_token(OAUTH, "older", token_url=TOKEN_URL)
    assert cache.get(key) == "newer"


def test_refused_client_credentials_are_an_auth_error_without_the_secret(bandwidth):
    bandwidth.post(TOKEN_URL, status=401,
                   json={"error": "invalid_client", "error_description": "bad secret client-secret-xyz"})
    with pytest.raises(BandwidthAuthError) as caught:
        send(client())
    error = caught.value
    assert error.error_type == "invalid_client"
    assert not error.transient
    assert "Client ID and Client Secret" in error.user_message
    for text in (str(error), repr(error), error.body, error.description):
        assert "client-secret-xyz" not in text


def test_token_endpoint_400_invalid_client_is_an_auth_error(bandwidth):
    bandwidth.post(TOKEN_URL, status=400, json={"error": "invalid_client"})
    with pytest.raises(BandwidthAuthError):
        send(client())


@pytest.mark.parametrize("failure", [
    {"body": requests.exceptions.ConnectionError("connection refused")},
    {"body": requests.exceptions.ReadTimeout("slow")},
    {"status": 503, "body": "down"},
])
def test_unreachable_token_endpoint_is_unavailable(bandwidth, failure):
    bandwidth.post(TOKEN_URL, **failure)
    with pytest.raises(BandwidthUnavailable) as caught:
        send(client())
    assert caught.value.transient


def test_token_answer_without_access_token_is_unavailable(bandwidth):
    bandwidth.post(TOKEN_URL, json={"token_type": "Bearer"})
    with pytest.raises(BandwidthUnavailable):
        send(client())


def test_wrong_token_url_is_a_request_error_naming_the_setting(bandwidth):
    bandwidth.post(TOKEN_URL, status=404, body="not here")
    with pytest.raises(BandwidthRequestError) as caught:
        send(client())
    assert "BANDWIDTH_OAUTH_TOKEN_URL" in caught.value.user_message


def test_legacy_sends_basic_and_never_asks_for_a_token(bandwidth):
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client(LEGACY))
    assert api.calls[0].request.headers["Authorization"] == basic("api-user", "legacy-pass-xyz")


def test_legacy_401_is_not_retried_and_mentions_the_cutoff(bandwidth):
    api = bandwidth.post(SEND_URL, status=401, json={"type": "unauthorized"})
    with pytest.raises(BandwidthAuthError) as caught:
        send(client(LEGACY))
    assert api.call_count == 1
    assert "2026-12-02" in caught.value.user_message


def test_concurrent_workers_share_one_token_request(bandwidth):
    def slow_token(request):
        time.sleep(0.3)
        return 200, {}, '{"access_token": "shared", "expires_in": 3600}'

    grant = bandwidth.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    threads = [threading.Thread(target=send, args=(client(),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert grant.call_count == 1
    assert api.call_count == 4


def test_waiter_fetches_its_own_token_when_the_lock_holder_never_delivers(bandwidth, monkeypatch):
    monkeypatch.setattr(auth, "LOCK_WAIT_SECONDS", 0.2)
    cache.add(auth.token_cache_key(OAUTH, TOKEN_URL) + ":lock", "someone-else", 30)
    grant = token(bandwidth)
    bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client())
    assert grant.call_count == 1


def test_redis_outage_does_not_stop_sending(bandwidth, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    grant = token(bandwidth)
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client())
    send(client())
    assert api.call_count == 2
    assert grant.call_count == 1  # the process kept the token it fetched


def test_a_process_keeps_its_token_without_asking_redis_each_send(bandwidth, monkeypatch):
    token(bandwidth)
    bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client())
    asked = []
    monkeypatch.setattr(auth, "_cache_get", lambda key: asked.append(key))
    for _ in range(3):
        send(client())
    assert asked == []


def test_a_token_read_from_redis_is_kept_in_memory_only_briefly(bandwidth, monkeypatch):
    cache.set(auth.token_cache_key(OAUTH, TOKEN_URL), "from-another-worker", 3540)
    api = bandwidth.post(SEND_URL, status=202, json=ACCEPTED)
    send(client())
    clock = [time.monotonic() + auth.LOCAL_SECONDS + 1]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    cache.set(auth.token_cache_key(OAUTH, TOKEN_URL), "rotated", 3540)
    send(client())
    assert [c.request.headers["Authorization"] for c in api.calls] == ["Bearer from-another-worker", "Bearer rotated"]


def test_a_401_forgets_the_token_this_process_kept(bandwidth):
    tokens = iter(["stale", "fresh", "unused"])
    grant = bandwidth.add_callback(
        responses.POST, TOKEN_URL, callback=lambda request: (200, {}, f'{{"access_token": "{next(tokens)}"}}'))
    answers = iter([(202, {}, '{"id": "m-1"}'), (401, {}, "{}"), (202, {}, '{"id": "m-2"}'),
                    (202, {}, '{"id": "m-3"}')])
    api = bandwidth.add_callback(responses.POST, SEND_URL, callback=lambda request: next(answers))
    for _ in range(3):
        send(client())
    assert grant.call_count == 2
    assert [c.request.headers["Authorization"] for c in api.calls] == [
        "Bearer stale", "Bearer stale", "Bearer fresh", "Bearer fresh"]


def test_credentials_never_show_the_password():
    assert "client-secret-xyz" not in repr(OAUTH)
    assert "client-secret-xyz" not in repr(client())


def test_unknown_auth_type_is_refused():
    with pytest.raises(ValueError):
        Credentials(account_id=ACCOUNT, username="u", password="p", auth_type="digest")


@pytest.mark.parametrize(("value", "problem"), [
    ("9900123", None),
    ("u-abc123", "u-..."),
    ("12345", "7-digit"),
])
def test_account_id_problem_explains_the_old_form(value, problem):
    answer = auth.account_id_problem(value)
    assert answer is None if problem is None else problem in answer
