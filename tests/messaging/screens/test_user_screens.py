"""The Users screen: list, add, edit, remove; field errors from the service; other tenants and extension
users get 404."""

import pytest
from django.contrib.auth import get_user_model

from tenants.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIST, ADD = "/t/acme/users/", "/t/acme/users/add/"


def form_data(**overrides) -> dict:
    return {"username": "carol", "email": "carol@example.com", "password": PASSWORD, "role": "extension",
            "extensions": ["101"]} | overrides


def test_add_edit_remove(client_a, tenant_a, alice_and_bob):
    assert client_a.post(ADD, form_data())["Location"] == LIST
    carol = get_user_model().objects.get(username="carol")
    html = client_a.get(LIST).content.decode()
    assert 'data-user="carol"' in html and 'data-role="extension"' in html and "<code>101</code>" in html
    edit = f"/t/acme/users/{carol.pk}/"
    assert client_a.get(edit).status_code == 200
    saved = client_a.post(edit, {"email": "c@example.com", "password": "", "role": "extension",
                                 "extensions": ["101", "102"]})
    assert saved.status_code == 302
    assert "<code>102</code>" in client_a.get(LIST).content.decode()
    assert client_a.get(f"{edit}delete/").status_code == 200
    assert client_a.post(f"{edit}delete/")["Location"] == LIST
    assert 'data-user="carol"' not in client_a.get(LIST).content.decode()


def test_service_errors_show_next_to_their_fields(client_a, alice):
    answer = client_a.post(ADD, form_data(password="1"))
    assert answer.status_code == 200
    assert answer.context["form"].errors["password"]
    answer = client_a.post(ADD, form_data(username="admin_a"))
    assert "already a user of this tenant" in answer.context["form"].errors["username"][0]


def test_the_last_admin_cannot_be_removed_or_demoted(client_a, admin_a):
    refused = client_a.post(f"/t/acme/users/{admin_a.pk}/delete/")
    assert refused.status_code == 409 and b"last administrator" in refused.content
    demoted = client_a.post(f"/t/acme/users/{admin_a.pk}/", {"email": "", "password": "", "role": "extension"})
    assert demoted.status_code == 200 and "last administrator" in demoted.context["form"].errors["role"][0]


def test_other_tenants_admin_and_extension_users_get_404(client, client_b, admin_a, tenant_a):
    assert client_b.get(LIST).status_code == 404
    assert client_b.post(ADD, form_data(extensions=[])).status_code == 404
    assert client_b.post(f"/t/acme/users/{admin_a.pk}/delete/").status_code == 404
    ext = get_user_model().objects.create_user(username="ext_a", password=PASSWORD)
    Membership.objects.create(user=ext, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client.force_login(ext)
    assert client.get(LIST).status_code == 404
    assert client.post(ADD, form_data(extensions=[])).status_code == 404


def test_a_user_of_another_tenant_is_not_found_here(client_a, admin_b):
    assert client_a.get(f"/t/acme/users/{admin_b.pk}/").status_code == 404
