"""The token endpoint and /api/v1/auth/tokens/: tokens stored as digests, with an expiry, listed and revoked by
their owner only."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services.api_tokens import create_api_token
from tenants.services import set_user_active
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ME = "/t/acme/api/v1/me/"


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def obtain(username="admin_a", **extra) -> dict:
    answer = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra},
                              format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_token_endpoint_answers_the_token_its_expiry_and_its_name(settings):
    before = timezone.now()
    body = obtain()
    expiry = parse_datetime(body["expiry"])
    assert before + timedelta(days=settings.API_TOKEN_TTL_DAYS) <= expiry <= timezone.now() + timedelta(
        days=settings.API_TOKEN_TTL_DAYS)
    assert body["label"] == "Created from the API"
    assert obtain(label="Billing sync")["label"] == "Billing sync"
    assert token_client(body["token"]).get(ME).json()["username"] == "admin_a"


def test_only_a_digest_of_the_key_is_stored():
    key = obtain()["token"]
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha512(key.encode()).hexdigest()
    stored = " ".join(str(value) for value in ApiToken.objects.values_list(
        "digest", "token_key", "label", "uid").get())
    assert key not in stored


def test_the_lifetime_comes_from_the_setting(settings, admin_a):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=2)}
    token, _ = create_api_token(user=admin_a)
    assert timedelta(days=2) - timedelta(minutes=1) < token.expiry - timezone.now() <= timedelta(days=2)


def test_an_expired_token_is_refused_and_forgotten(admin_a):
    token, key = create_api_token(user=admin_a)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    answer = token_client(key).get(ME)
    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_list_shows_the_callers_tokens_only_and_which_one_is_in_use(admin_a, admin_b):
    used, key = create_api_token(user=admin_a, label="phone")
    other, _ = create_api_token(user=admin_a, label="laptop")
    create_api_token(user=admin_b, label="not mine")
    listed = token_client(key).get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    assert {(row["id"], row["label"], row["current"]) for row in listed.json()} == {
        (str(used.uid), "phone", True), (str(other.uid), "laptop", False)}
    assert "token" not in listed.json()[0] and "digest" not in listed.json()[0]


def test_revoking_a_token_stops_it_at_once(admin_a):
    _, key = create_api_token(user=admin_a)
    doomed, doomed_key = create_api_token(user=admin_a)
    assert token_client(key).delete(f"/api/v1/auth/tokens/{doomed.uid}/").status_code == 204
    assert token_client(doomed_key).get(ME).status_code == 401
    assert token_client(key).get(ME).status_code == 200


def test_another_users_token_is_404_and_keeps_working(admin_a, admin_b):
    theirs, their_key = create_api_token(user=admin_a)
    _, my_key = create_api_token(user=admin_b)
    answer = token_client(my_key).delete(f"/api/v1/auth/tokens/{theirs.uid}/")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "No such token.", "code": "not_found", "fields": {}}
    assert token_client(their_key).get(ME).status_code == 200


def test_revoke_all_ends_every_token_of_the_caller_only(admin_a, admin_b):
    keys = [create_api_token(user=admin_a)[1] for _ in range(3)]
    _, other_key = create_api_token(user=admin_b)
    assert token_client(keys[0]).delete("/api/v1/auth/tokens/").status_code == 204
    assert all(token_client(key).get(ME).status_code == 401 for key in keys)
    assert token_client(other_key).get("/t/globex/api/v1/me/").status_code == 200


def test_without_credentials_the_list_is_401(api_client):
    answer = api_client.get("/api/v1/auth/tokens/")
    assert answer.status_code == 401
    assert api_client.delete("/api/v1/auth/tokens/not-a-uuid/").status_code in (401, 404)


def test_a_deactivated_user_loses_every_token(admin_a):
    _, key = create_api_token(user=admin_a)
    set_user_active(user=admin_a, active=False)
    assert token_client(key).get(ME).status_code == 401
    assert not ApiToken.objects.filter(user=admin_a).exists()
