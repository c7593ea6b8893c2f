"""The 404 page a signed-in non-member gets under /t/<slug>/ tells nothing about the tenant: not its name,
not its menu, as for a tenant that does not exist (item 8 of issue 10)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/t/globex/", "/t/globex/trunks/", "/t/globex/no-such-page/"])
def test_a_non_member_does_not_learn_the_tenants_name(client_a, tenant_b, path):
    page = client_a.get(path)
    assert page.status_code == 404
    html = page.content.decode()
    assert "Globex" not in html and "/t/globex/" not in html


def test_the_page_has_no_tenant_menu(client_a, tenant_b):
    html = client_a.get("/t/globex/trunks/").content.decode()
    assert "with-sidebar" not in html and "Managing tenant" not in html


def test_a_member_still_sees_the_name_on_a_missing_page_of_the_own_tenant(client_a, tenant_a):
    page = client_a.get("/t/acme/no-such-page/")
    assert page.status_code == 404 and "Acme Corp" in page.content.decode()
