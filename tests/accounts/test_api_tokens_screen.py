"""/account/tokens/: a person makes a token (its key shown once), sees the list and revokes tokens."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services.api_tokens import create_api_token

pytestmark = pytest.mark.django_db
PAGE = "/account/tokens/"


def works(key: str, slug: str = "acme") -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(f"/t/{slug}/api/v1/me/").status_code == 200


def test_a_new_token_is_shown_once_and_works(client_a):
    made = client_a.post(PAGE, {"label": "Softphone"})
    assert made.status_code == 200
    assert made["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(label="Softphone")
    key = made.context["new_key"]
    assert key in made.content.decode()
    assert works(key)
    again = client_a.get(PAGE).content.decode()
    assert "Softphone" in again and key not in again and token.digest not in again


def test_the_account_page_of_the_user_menu_links_to_the_page(client_a):
    assert 'href="/account/"' in client_a.get("/t/acme/").content.decode()
    assert PAGE in client_a.get("/account/").content.decode()


def test_the_list_shows_only_the_own_tokens(client_a, admin_b):
    create_api_token(user=admin_b, label="Globex robot")
    assert "Globex robot" not in client_a.get(PAGE).content.decode()


def test_revoke_one_and_revoke_all(client_a, admin_a):
    first, first_key = create_api_token(user=admin_a, label="one")
    _, second_key = create_api_token(user=admin_a, label="two")
    assert client_a.post(f"{PAGE}{first.uid}/revoke/").status_code == 302
    assert not works(first_key) and works(second_key)
    assert client_a.post(f"{PAGE}revoke-all/").status_code == 302
    assert not works(second_key)


def test_another_users_token_cannot_be_revoked_here(client_b, admin_a):
    theirs, key = create_api_token(user=admin_a)
    assert client_b.post(f"{PAGE}{theirs.uid}/revoke/").status_code == 404
    assert works(key)


def test_revoking_needs_a_post(client_a, admin_a):
    token, key = create_api_token(user=admin_a)
    assert client_a.get(f"{PAGE}{token.uid}/revoke/").status_code == 405
    assert works(key)


def test_anonymous_visitors_are_sent_to_sign_in():
    answer = Client().get(PAGE)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
