"""The Trunks screens: list, add, edit, delete; field errors; the 10DLC notice; other tenants get 404."""

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, PhoneNumber, SmsConfiguration, Trunk
from messaging.services.configuration.trunks import NumberEntry, create_trunk
from tests.messaging.factories import in_acme

pytestmark = pytest.mark.django_db

Status = PhoneNumber.TenDlcStatus
LIST, ADD = "/t/acme/trunks/", "/t/acme/trunks/add/"


def form_data(**overrides) -> dict:
    return {"name": "BW Raleigh", "host": "sip.bandwidth.example", "enabled": "on", "numbers": ""} | overrides


@pytest.fixture
def sales_sms(tenant_a, raleigh) -> SmsConfiguration:
    with tenant_context(tenant_a):
        return SmsConfiguration.objects.create(
            name="Sales SMS", trunk=raleigh, account_id="9900123",
            application_id="93de2206-9669-4e07-948d-329f4b722ee2", username="client-id", password="secret",
        )


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def test_list_shows_host_status_numbers_with_badges_and_the_configurations_using_it(client_a, sales_sms):
    html = client_a.get(LIST).content.decode()
    assert "BW Raleigh" in html and "sip.bandwidth.example" in html and "enabled" in html
    assert 'data-ten-dlc="registered"' in html and "CABC123" in html
    assert 'data-ten-dlc="not_registered"' in html
    assert "Sales SMS" in html


def test_list_without_trunks_invites_to_add_one(client_a):
    response = client_a.get(LIST)
    assert response.status_code == 200 and b"No trunks yet" in response.content
    assert b'data-testid="ten-dlc-notice"' not in response.content


def test_ten_dlc_notice_flags_us_numbers_pending_or_not_registered_only(client_a, tenant_a, admin_a):
    with tenant_context(tenant_a):
        create_trunk(user=admin_a, name="Mixed", host="192.0.2.10", numbers=[
            NumberEntry("+19195550100", Status.REGISTERED, "CABC123"),
            NumberEntry("+19195550101", Status.PENDING, ""),
            "+19195550102",  # a new US long code starts not registered
            "+442071838750", "+18005550100",
        ])
    html = client_a.get(LIST).content.decode()
    notice = html[html.index('data-testid="ten-dlc-notice"'):html.index('data-testid="trunk-table"')]
    assert 'data-number="+19195550101"' in notice and "(pending)" in notice
    assert 'data-number="+19195550102"' in notice and "(not registered)" in notice
    for unflagged in ("+19195550100", "+442071838750", "+18005550100"):
        assert unflagged not in notice


def test_add_stores_numbers_in_e164_with_statuses_from_each_line(client_a, tenant_a):
    numbers = "(919) 555-0100 registered cabc123\n\n+1 919 555 0101 not registered\n19195550102 pending\n" \
              "+44 20 7183 8750\n"
    response = client_a.post(ADD, form_data(host="SIP.Bandwidth.Example", numbers=numbers))
    assert response.status_code == 302 and response["Location"] == LIST
    with tenant_context(tenant_a):
        trunk = Trunk.objects.get()
        assert trunk.host == "sip.bandwidth.example" and trunk.enabled
        assert list(trunk.numbers.values_list("number", "ten_dlc_status", "campaign_id")) == [
            ("+19195550100", "registered", "CABC123"), ("+19195550101", "not_registered", ""),
            ("+19195550102", "pending", ""), ("+442071838750", "not_applicable", ""),
        ]
        assert AuditEntry.objects.get().action == "create"


@pytest.mark.parametrize("host", ["sip bandwidth.example", "10.0.0.256", "10.0.0.1, sip.example.com", ""])
def test_bad_host_is_shown_next_to_the_host_field(client_a, tenant_a, host):
    response = client_a.post(ADD, form_data(host=host))
    assert response.status_code == 200 and field_errors(response, "host")
    assert not in_acme(tenant_a, Trunk.objects.exists)


@pytest.mark.parametrize(
    ("numbers", "error"),
    [
        ("+19195550100\n12345", "Line 2: “12345” is not a valid phone number"),
        ("+19195550100\nregistered", "Line 2: start with the phone number"),
        ("+19195550100 registerd", "Line 1: “registerd” is not a 10DLC status"),
        ("+19195550100 registered CABC123 extra", "Line 1: expected a number, a status and a campaign ID"),
        ("+19195550100 registered C/1", "is not a campaign ID"),
        ("+19195550100\n\n(919) 555-0100", "Line 3: +19195550100 is already on line 1."),
    ],
)
def test_bad_did_line_is_named_in_the_error(client_a, tenant_a, numbers, error):
    response = client_a.post(ADD, form_data(numbers=numbers))
    assert response.status_code == 200
    assert any(error in message for message in field_errors(response, "numbers")), field_errors(response, "numbers")
    assert not in_acme(tenant_a, Trunk.objects.exists)


def test_did_of_another_trunk_is_refused_naming_that_trunk(client_a, tenant_a, raleigh):
    response = client_a.post(ADD, form_data(name="BW Durham", numbers="919 555 0101"))
    assert field_errors(response, "numbers") == ["+19195550101 already belongs to trunk “BW Raleigh”."]
    assert in_acme(tenant_a, Trunk.objects.count) == 1


@pytest.mark.parametrize(("name", "error"), [("x" * 65, "at most 64"), ("bw raleigh", "already exists"), ("", "")])
def test_too_long_duplicate_or_empty_name_is_refused(client_a, tenant_a, raleigh, name, error):
    response = client_a.post(ADD, form_data(name=name, numbers=""))
    assert response.status_code == 200
    assert error in " ".join(field_errors(response, "name")) and field_errors(response, "name")
    assert in_acme(tenant_a, Trunk.objects.count) == 1


def test_edit_form_shows_the_numbers_in_the_format_it_reads(client_a, raleigh):
    response = client_a.get(f"/t/acme/trunks/{raleigh.pk}/")
    assert response.context["form"]["numbers"].value() == \
        "+19195550100 registered CABC123\n+19195550101 not_registered"


def test_edit_saves_and_audits_the_changed_fields(client_a, tenant_a, raleigh):
    numbers = "+19195550100 registered CABC123\n+19195550101 registered CDEF456"
    response = client_a.post(f"/t/acme/trunks/{raleigh.pk}/",
                             form_data(host="192.0.2.10,192.0.2.11", numbers=numbers, enabled=""))
    assert response.status_code == 302
    with tenant_context(tenant_a):
        raleigh.refresh_from_db()
        assert (raleigh.host, raleigh.enabled) == ("192.0.2.10, 192.0.2.11", False)
        entry = AuditEntry.objects.get(action="update")
        assert set(entry.changes) == {"host", "enabled", "numbers"}
        assert entry.changes["numbers"][1] == ["+19195550100 registered CABC123",
                                               "+19195550101 registered CDEF456"]


def test_unknown_trunk_is_404(client_a):
    assert client_a.get("/t/acme/trunks/999999/").status_code == 404
    assert client_a.post("/t/acme/trunks/999999/delete/").status_code == 404


def test_delete_asks_for_confirmation_then_deletes(client_a, tenant_a, raleigh):
    path = f"/t/acme/trunks/{raleigh.pk}/delete/"
    confirm = client_a.get(path)
    assert confirm.status_code == 200 and b'type="submit" class="danger"' in confirm.content
    assert in_acme(tenant_a, Trunk.objects.exists)
    assert client_a.post(path)["Location"] == LIST
    with tenant_context(tenant_a):
        assert not Trunk.objects.exists() and not PhoneNumber.objects.exists()
        assert AuditEntry.objects.filter(action="delete").exists()


def test_delete_of_a_trunk_in_use_names_the_configuration_and_deletes_nothing(client_a, tenant_a, sales_sms):
    path = f"/t/acme/trunks/{sales_sms.trunk_id}/delete/"
    confirm = client_a.get(path)
    assert b'data-testid="trunk-in-use"' in confirm.content and "“Sales SMS”" in confirm.content.decode()
    assert b'class="danger"' not in confirm.content
    refused = client_a.post(path)
    assert refused.status_code == 409
    assert "SMS configuration “Sales SMS” uses trunk “BW Raleigh”" in refused.content.decode()
    with tenant_context(tenant_a):
        assert Trunk.objects.count() == 1 and PhoneNumber.objects.count() == 2
        assert not AuditEntry.objects.filter(action="delete").exists()


def test_admin_of_other_tenant_gets_404_on_every_trunk_page_and_nothing_changes(client_b, tenant_a, raleigh):
    before = in_acme(tenant_a, lambda: list(Trunk.objects.values()) + list(PhoneNumber.objects.values()))
    paths = [LIST, ADD, f"/t/acme/trunks/{raleigh.pk}/", f"/t/acme/trunks/{raleigh.pk}/delete/"]
    for path in paths:
        assert client_b.get(path).status_code == 404, path
        assert client_b.post(path, form_data(name="Hijacked", numbers="+19195550199")).status_code == 404, path
    after = in_acme(tenant_a, lambda: list(Trunk.objects.values()) + list(PhoneNumber.objects.values()))
    assert after == before
    assert not in_acme(tenant_a, AuditEntry.objects.exclude(action="create").exists)
