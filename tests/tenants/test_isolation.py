"""A tenant administrator of Acme can never reach Globex: every path answers 404."""

import pytest

pytestmark = pytest.mark.django_db

GLOBEX_PAGES = ["/t/globex/", "/t/globex/trunks/", "/t/globex/sms/", "/t/globex/rules/",
                "/t/globex/extensions/", "/t/globex/messages/", "/t/globex/no-such-page/"]
GLOBEX_API = ["/t/globex/api/v1/me/"]


@pytest.mark.parametrize("path", GLOBEX_PAGES)
def test_admin_of_other_tenant_gets_404_on_pages(client_a, path):
    assert client_a.get(path).status_code == 404
    assert client_a.post(path, {}).status_code == 404


@pytest.mark.parametrize("path", GLOBEX_API)
def test_admin_of_other_tenant_gets_404_on_api_by_session_and_token(client_a, api_client, admin_a, path):
    response = client_a.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found", "fields": {}}

    from accounts.services.api_tokens import create_api_token

    _, key = create_api_token(user=admin_a)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(path).status_code == 404


def test_unknown_tenant_slug_is_404(client_a):
    assert client_a.get("/t/nobody/").status_code == 404
    assert client_a.get("/t/nobody/api/v1/me/").json() == {"detail": "Not found.", "code": "not_found", "fields": {}}


def test_me_answers_for_own_tenant(api_a):
    me = api_a.get("/t/acme/api/v1/me/").json()
    assert me == {"username": "admin_a", "email": "", "role": "admin", "tenant": {"name": "Acme Corp", "slug": "acme"}}


def test_system_admin_enters_every_tenant_api(api_client, sysadmin):
    api_client.force_authenticate(sysadmin)
    assert api_client.get("/t/globex/api/v1/me/").json()["role"] == "system_admin"


def test_anonymous_api_call_is_refused(api_client):
    assert api_client.get("/t/acme/api/v1/me/").status_code in (401, 403)
