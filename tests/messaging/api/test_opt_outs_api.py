"""/t/<slug>/api/v1/opt-outs/: list with search, add, remove, CSV import answering each bad line in the one
error body; other tenants' admins and extension users get 404."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from messaging.models import AuditEntry, OptOut
from tenants.models import Membership
from tests.messaging.factories import DID, OTHER_DID
from tests.messaging.opt_out_helpers import REMOTE, csv_file, in_acme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("second_did")]

OPT_OUTS = "/t/acme/api/v1/opt-outs/"
IMPORT = OPT_OUTS + "import/"


@pytest.fixture
def listed(tenant_a):
    with tenant_context(tenant_a):
        return [OptOut.objects.create(number=DID, remote_number=REMOTE, keyword="STOP"),
                OptOut.objects.create(number=OTHER_DID, remote_number="+14155550123", source="manual")]


def test_list_shows_who_and_how_and_searches_by_number(api_a, listed):
    body = api_a.get(OPT_OUTS).json()
    assert body["count"] == 2
    row = body["results"][1]
    assert {k: row[k] for k in ("number", "remote_number", "source", "keyword", "added_by")} == {
        "number": DID, "remote_number": REMOTE, "source": "keyword", "keyword": "STOP", "added_by": None}
    assert [r["remote_number"] for r in api_a.get(OPT_OUTS, {"q": "(415) 555-0123"}).json()["results"]] == [
        "+14155550123"]
    assert api_a.get(OPT_OUTS, {"source": "keyword"}).json()["count"] == 1


def test_a_bad_filter_value_answers_400_naming_it(api_a):
    response = api_a.get(OPT_OUTS, {"source": "fax"})
    assert response.status_code == 400 and "source" in response.json()["fields"]


def test_add_answers_201_then_200_for_the_same_pair(api_a, admin_a, tenant_a):
    first = api_a.post(OPT_OUTS, {"number": "(919) 555-0100", "remote_number": "9195550199"}, format="json")
    assert first.status_code == 201, first.json()
    assert (first.json()["remote_number"], first.json()["source"], first.json()["added_by"]) == (
        REMOTE, "api", "admin_a")
    again = api_a.post(OPT_OUTS, {"number": DID, "remote_number": REMOTE}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert in_acme(tenant_a, OptOut.objects.count) == 1


def test_add_refuses_a_number_the_tenant_does_not_have(api_a, tenant_a):
    response = api_a.post(OPT_OUTS, {"number": "+19195550177", "remote_number": REMOTE}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"number": ["+19195550177 is not one of this tenant's numbers."]}
    assert not in_acme(tenant_a, OptOut.objects.exists)


def test_delete_removes_and_is_audited(api_a, admin_a, listed, tenant_a):
    assert api_a.delete(f"{OPT_OUTS}{listed[0].pk}/").status_code == 204
    assert not in_acme(tenant_a, OptOut.objects.filter(pk=listed[0].pk).exists)
    entry = in_acme(tenant_a, lambda: AuditEntry.objects.get(action="delete"))
    assert entry.user_id == admin_a.pk and entry.changes["remote_number"] == [REMOTE, None]


def test_import_adds_the_file(api_a, tenant_a):
    response = api_a.post(IMPORT, {"file": csv_file("number,remote_number\n*,+19195550199\n")}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json() == {"rows": 2, "added": 2}
    assert in_acme(tenant_a, lambda: set(OptOut.objects.values_list("number", flat=True))) == {DID, OTHER_DID}


def test_import_with_bad_lines_answers_400_listing_them_and_imports_nothing(api_a, tenant_a):
    text = "number,remote_number\n*,+19195550199\n+19195550177,+19195550198\n"
    response = api_a.post(IMPORT, {"file": csv_file(text)}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "1 bad line: nothing was imported.", "code": "invalid",
        "fields": {"file": ["Line 3: +19195550177 is not one of this tenant's numbers."]},
    }
    assert not in_acme(tenant_a, OptOut.objects.exists)


def test_import_without_a_file_answers_400(api_a):
    response = api_a.post(IMPORT, {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]


def test_admin_of_other_tenant_gets_404_and_nothing_changes(api_b, listed, tenant_a):
    assert api_b.get(OPT_OUTS).status_code == 404
    assert api_b.post(OPT_OUTS, {"number": DID, "remote_number": "+19195550111"}, format="json").status_code == 404
    assert api_b.delete(f"{OPT_OUTS}{listed[0].pk}/").status_code == 404
    assert api_b.post(IMPORT, {"file": csv_file("number,remote_number\n*,+19195550111\n")},
                      format="multipart").status_code == 404
    assert in_acme(tenant_a, OptOut.objects.count) == 2


def test_extension_user_gets_404(listed, tenant_a):
    user = get_user_model().objects.create_user(username="ext_optouts", password="x-Very-long-9")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = APIClient()
    client.force_authenticate(user)
    assert client.get(OPT_OUTS).status_code == 404
    assert client.delete(f"{OPT_OUTS}{listed[0].pk}/").status_code == 404
    assert in_acme(tenant_a, OptOut.objects.count) == 2
