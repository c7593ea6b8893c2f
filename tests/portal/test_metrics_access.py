"""GET /metrics: readable with `Authorization: Bearer <METRICS_TOKEN>` or from the loopback address (the client's
address as portal/client_ip.py determines it); 404 to anyone else, like a page that does not exist."""

import pytest

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-0123456789abcdef"
OUTSIDE = "203.0.113.7"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def get(client, **headers):
    return client.get("/metrics", **headers)


def test_the_loopback_address_reads_metrics_without_a_token(client):
    answer = get(client, REMOTE_ADDR="127.0.0.1")
    assert answer.status_code == 200
    assert b"# TYPE portal_webhook_requests_total counter" in answer.content
    assert get(client, REMOTE_ADDR="::1").status_code == 200


def test_another_address_gets_404_without_the_token(client, token):
    answer = get(client, REMOTE_ADDR=OUTSIDE)
    assert answer.status_code == 404
    assert b"portal_" not in answer.content
    assert answer.content == client.get("/no-such-page/", REMOTE_ADDR=OUTSIDE).content  # nothing says it exists


def test_the_bearer_token_opens_it_from_anywhere(client, token):
    assert get(client, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN, "Bearer \x00"])
def test_a_wrong_token_gets_404(client, token, authorization):
    assert get(client, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=authorization).status_code == 404


def test_no_token_is_accepted_when_none_is_set(client, settings):
    settings.METRICS_TOKEN = ""
    assert get(client, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_request_a_local_proxy_forwarded_is_not_local(client, settings):
    # A TLS proxy on the same host connects from 127.0.0.1 for every client: untrusted, it is not the client.
    settings.TRUSTED_PROXY_COUNT = 0
    assert get(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 404
    assert get(client, REMOTE_ADDR="127.0.0.1", HTTP_FORWARDED=f"for={OUTSIDE}").status_code == 404


def test_behind_trusted_proxies_the_client_address_decides(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert get(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 404
    assert get(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_only_get_reads_it(client):
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_a_signed_in_administrator_is_no_reader(client, sysadmin, token):
    client.force_login(sysadmin)
    assert get(client, REMOTE_ADDR=OUTSIDE).status_code == 404
