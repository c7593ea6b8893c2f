import datetime

import pytest
from django_tenants.utils import tenant_context

from messaging.models import AuditEntry, SmsConfiguration
from messaging.services.configuration import sms_configurations as service
from tests.messaging.factories import APPLICATION_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db


def form_data(trunk, **overrides):
    data = {
        "name": "Front desk",
        "trunk": trunk.pk,
        "sender_id": "",
        "account_id": "9900123",
        "application_id": APPLICATION_ID,
        "auth_type": "oauth",
        "username": "client-id-9",
        "password": "brand-new-client-secret",
        "enabled": "on",
        "callback_username": "",
        "callback_password": "",
    }
    return data | overrides


def test_add_saves_and_opens_the_detail_with_the_webhook_url(client_a, tenant_a, acme_trunk):
    saved = client_a.post("/t/acme/sms/add/", form_data(acme_trunk))
    assert saved.status_code == 302
    with tenant_context(tenant_a):
        configuration = SmsConfiguration.objects.get(name="Front desk")
        url = service.webhook_url(configuration)
    detail = client_a.get(saved["Location"]).content.decode()
    assert f'value="{url}" readonly' in detail
    assert "never" in detail  # no callback yet
    assert "brand-new-client-secret" not in detail


def test_field_errors_are_shown_next_to_their_fields(client_a, acme_trunk):
    page = client_a.post(
        "/t/acme/sms/add/", form_data(acme_trunk, account_id="u-12345", application_id="x", password="")
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-field="account_id"' in html and "old-style user ID" in html
    assert "Enter the Client Secret" in html  # password on add
    assert "UUID" in html


def test_alphanumeric_sender_priority_and_expiration_are_saved_and_shown(client_a, tenant_a, acme_trunk):
    saved = client_a.post("/t/acme/sms/add/", form_data(
        acme_trunk, sender_id="Acme Co", priority="high", expiration_minutes="90"))
    assert saved.status_code == 302
    with tenant_context(tenant_a):
        stored = SmsConfiguration.objects.get(name="Front desk")
    assert (stored.sender_id, stored.priority, stored.expiration_minutes) == ("Acme Co", "high", 90)
    detail = client_a.get(saved["Location"]).content.decode()
    assert "Acme Co" in detail and "High" in detail and "90 minutes after a message is queued" in detail
    edit = client_a.get(f"/t/acme/sms/{stored.pk}/edit/").content.decode()
    assert 'value="90"' in edit and '<option value="high" selected>' in edit


def test_bad_sender_id_and_expiration_are_shown_next_to_their_fields(client_a, acme_trunk):
    page = client_a.post("/t/acme/sms/add/", form_data(
        acme_trunk, sender_id="Acme!", expiration_minutes="20000"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-field="sender_id"' in html and "at least one letter" in html
    assert 'data-field="expiration_minutes"' in html and "10080" in html


def test_service_problems_are_shown_even_when_the_form_refuses_a_field(client_a, acme_trunk):
    page = client_a.post("/t/acme/sms/add/", form_data(acme_trunk, name="", account_id="u-12345"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-field="name"' in html and "This field is required." in html
    assert 'data-field="account_id"' in html and "old-style user ID" in html


def test_list_shows_the_columns_an_admin_needs_and_the_webhook_url_per_row(client_a, tenant_a, acme_config):
    with tenant_context(tenant_a):
        url = service.webhook_url(acme_config)
    html = client_a.get("/t/acme/sms/").content.decode()
    for text in (
        "Main SMS",
        "BW Raleigh",
        "sip.bandwidth.example",
        "+19195550100",
        "9900123",
        APPLICATION_ID,
        "API credentials",
        "enabled",
        "never",
    ):
        assert text in html
    assert f'data-webhook-url="{url}"' in html
    assert 'data-detail-url="/t/acme/sms/' in html
    assert "10DLC" in html and 'data-number="+19195550100"' in html


def test_edit_page_never_contains_the_secrets(client_a, tenant_a, acme_trunk):
    with tenant_context(tenant_a):
        configuration = service.create_configuration(
            user=None,
            name="Sec",
            trunk=acme_trunk,
            account_id="9900123",
            application_id=APPLICATION_ID,
            username="cid",
            password=CLIENT_SECRET,
            callback_username="cb",
            callback_password="callback-secret-long",
        )
    for path in (f"/t/acme/sms/{configuration.pk}/edit/", f"/t/acme/sms/{configuration.pk}/", "/t/acme/sms/"):
        html = client_a.get(path).content.decode()
        assert CLIENT_SECRET not in html and "callback-secret-long" not in html


def test_blank_password_on_edit_keeps_it(client_a, tenant_a, acme_config, acme_trunk):
    client_a.post(f"/t/acme/sms/{acme_config.pk}/edit/", form_data(acme_trunk, name="Main SMS", password=""))
    with tenant_context(tenant_a):
        assert SmsConfiguration.objects.get(pk=acme_config.pk).password == CLIENT_SECRET


def test_legacy_configuration_is_flagged_before_and_shown_not_working_after_the_cutoff(
    client_a, tenant_a, acme_trunk, settings
):
    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date.today() + datetime.timedelta(days=7)
    client_a.post("/t/acme/sms/add/", form_data(acme_trunk, auth_type="legacy"))
    with tenant_context(tenant_a):
        pk = SmsConfiguration.objects.get(name="Front desk").pk
    assert "legacy until" in client_a.get("/t/acme/sms/").content.decode()
    assert "stops working on" in client_a.get(f"/t/acme/sms/{pk}/").content.decode()

    settings.BANDWIDTH_LEGACY_CUTOFF = datetime.date.today()
    assert "legacy — not working" in client_a.get("/t/acme/sms/").content.decode()
    detail = client_a.get(f"/t/acme/sms/{pk}/").content.decode()
    assert 'data-testid="legacy-retired"' in detail and "API Credentials" in detail
    refused = client_a.post(f"/t/acme/sms/{pk}/edit/", form_data(acme_trunk, auth_type="legacy", password=""))
    assert "stopped accepting legacy API users" in refused.content.decode()


def test_regenerate_changes_the_url_and_is_audited(client_a, tenant_a, acme_config):
    with tenant_context(tenant_a):
        old = service.webhook_url(acme_config)
    client_a.post(f"/t/acme/sms/{acme_config.pk}/regenerate-webhook/")
    with tenant_context(tenant_a):
        assert service.webhook_url(acme_config) != old
        assert AuditEntry.objects.filter(action="action", object_id=str(acme_config.pk)).exists()


def test_delete_asks_first_then_deletes(client_a, tenant_a, acme_config):
    confirm = client_a.get(f"/t/acme/sms/{acme_config.pk}/delete/")
    assert b"stops working at once" in confirm.content
    client_a.post(f"/t/acme/sms/{acme_config.pk}/delete/")
    with tenant_context(tenant_a):
        assert not SmsConfiguration.objects.exists()
        assert AuditEntry.objects.filter(action="delete").exists()


def test_generate_callback_credentials_gives_a_fresh_pair(client_a):
    pair = client_a.get("/t/acme/sms/generate-callback-credentials/").json()
    assert pair["username"].startswith("bw-") and len(pair["password"]) >= 32


@pytest.mark.parametrize(
    "path",
    [
        "/t/acme/sms/",
        "/t/acme/sms/add/",
        "/t/acme/sms/{pk}/",
        "/t/acme/sms/{pk}/edit/",
        "/t/acme/sms/{pk}/delete/",
        "/t/acme/sms/{pk}/regenerate-webhook/",
        "/t/acme/sms/{pk}/test-connection/",
        "/t/acme/sms/generate-callback-credentials/",
    ],
)
def test_admin_of_other_tenant_gets_404_and_changes_nothing(client_b, tenant_a, acme_config, acme_trunk, path):
    path = path.format(pk=acme_config.pk)
    with tenant_context(tenant_a):
        url_before = service.webhook_url(acme_config)
    assert client_b.get(path).status_code == 404
    assert client_b.post(path, form_data(acme_trunk, name="Hijacked")).status_code == 404
    with tenant_context(tenant_a):
        assert SmsConfiguration.objects.get(pk=acme_config.pk).name == "Main SMS"
        assert service.webhook_url(acme_config) == url_before
