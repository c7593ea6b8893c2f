"""The Opt-outs screen: the list with who and how, search by number, add, remove (confirm, then POST, audited)
and the CSV import with its error report. Other tenants' admins and extension users get 404."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, OptOut
from tenants.models import Membership
from tests.messaging.factories import DID, OTHER_DID
from tests.messaging.opt_out_helpers import REMOTE, csv_file, in_acme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("second_did")]

LIST = "/t/acme/opt-outs/"
ADD = LIST + "add/"
IMPORT = LIST + "import/"


@pytest.fixture
def listed(tenant_a, admin_a):
    with tenant_context(tenant_a):
        return [OptOut.objects.create(number=DID, remote_number=REMOTE, keyword="STOP"),
                OptOut.objects.create(number=OTHER_DID, remote_number="+14155550123", source="manual",
                                      added_by=admin_a)]


def test_the_sidebar_links_to_the_list_which_shows_who_and_how(client_a, listed):
    page = client_a.get(LIST).content.decode()
    assert 'href="/t/acme/opt-outs/"' in client_a.get("/t/acme/trunks/").content.decode()
    assert "+19195550199" in page and "Keyword (STOP)" in page
    assert "Added on the screen" in page and "admin_a" in page


def test_search_by_number_in_any_format(client_a, listed):
    page = client_a.get(LIST, {"q": "(415) 555-0123"}).content.decode()
    assert "+14155550123" in page and "+19195550199" not in page
    assert "No opt-out matches" in client_a.get(LIST, {"q": "+1 212 555 0000"}).content.decode()


def test_add_stores_the_pair_with_its_author(client_a, admin_a, tenant_a):
    response = client_a.post(ADD, {"number": OTHER_DID, "remote_number": "(919) 555-0199"})
    assert response.status_code == 302
    opt_out = in_acme(tenant_a, OptOut.objects.get)
    assert (opt_out.number, opt_out.remote_number, opt_out.source, opt_out.added_by_id) == (
        OTHER_DID, REMOTE, "manual", admin_a.pk)


def test_add_shows_a_bad_remote_number_next_to_its_field(client_a, tenant_a):
    response = client_a.post(ADD, {"number": DID, "remote_number": "12345"})
    assert response.status_code == 200
    assert "not a valid phone number" in response.content.decode()
    assert not in_acme(tenant_a, OptOut.objects.exists)


def test_remove_asks_first_then_removes_on_post_and_audits(client_a, admin_a, listed, tenant_a):
    path = f"{LIST}{listed[0].pk}/delete/"
    assert "will be allowed again" in client_a.get(path).content.decode()
    assert in_acme(tenant_a, OptOut.objects.count) == 2
    assert client_a.post(path).status_code == 302
    assert not in_acme(tenant_a, OptOut.objects.filter(pk=listed[0].pk).exists)
    assert in_acme(tenant_a, lambda: AuditEntry.objects.get(action="delete").user_id) == admin_a.pk


def test_import_adds_and_says_how_many(client_a, tenant_a):
    response = client_a.post(IMPORT, {"file": csv_file("number,remote_number\n*,+19195550199\n")}, follow=True)
    assert "Imported 2 opt-outs: 2 added, 0 already on the list." in response.content.decode()
    assert in_acme(tenant_a, OptOut.objects.count) == 2


def test_import_with_a_bad_line_lists_it_and_imports_nothing(client_a, tenant_a):
    text = "number,remote_number\n*,+19195550199\nabc,+19195550198\n"
    response = client_a.post(IMPORT, {"file": csv_file(text)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "1 bad line: nothing was imported." in page and "Line 3: “abc” is not a phone number." in page
    assert not in_acme(tenant_a, OptOut.objects.exists)


def test_admin_of_other_tenant_gets_404_on_every_page_and_nothing_changes(client_b, listed, tenant_a):
    delete = f"{LIST}{listed[0].pk}/delete/"
    for path in [LIST, ADD, IMPORT, delete]:
        assert client_b.get(path).status_code == 404, path
    assert client_b.post(ADD, {"number": DID, "remote_number": "+19195550111"}).status_code == 404
    assert client_b.post(delete).status_code == 404
    assert client_b.post(IMPORT, {"file": csv_file("number,remote_number\n*,+19195550111\n")}).status_code == 404
    assert in_acme(tenant_a, OptOut.objects.count) == 2


def test_extension_user_gets_404(listed, tenant_a):
    user = get_user_model().objects.create_user(username="ext_opt_outs", password="x-Very-long-9")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    delete = f"{LIST}{listed[0].pk}/delete/"
    for path in [LIST, ADD, IMPORT, delete]:
        assert client.get(path).status_code == 404, path
    assert client.post(delete).status_code == 404
    assert in_acme(tenant_a, OptOut.objects.count) == 2


def test_a_system_administrator_reaches_the_screen(sysadmin_client, listed):
    assert sysadmin_client.get(LIST).status_code == 200
