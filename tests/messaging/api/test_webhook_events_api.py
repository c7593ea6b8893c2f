import pytest
from django_tenants.utils import tenant_context

from tests.messaging.factories import callback, receive_callbacks

pytestmark = pytest.mark.django_db


def test_admin_sees_what_arrived_and_how_it_was_handled(api_a, tenant_a, acme_config):
    with tenant_context(tenant_a):
        receive_callbacks(acme_config, callback("message-received"))
    (event,) = api_a.get("/t/acme/api/v1/webhook-events/").json()["results"]
    assert event["event_type"] == "message-received" and event["state"] == "processed"
    assert "Unrouted" in event["note"]
    assert api_a.get(f"/t/acme/api/v1/webhook-events/{event['id']}/").status_code == 200
    assert api_a.post("/t/acme/api/v1/webhook-events/", {}, format="json").status_code == 405


def test_admin_of_other_tenant_gets_404(api_b, tenant_a, acme_config):
    with tenant_context(tenant_a):
        (event,) = receive_callbacks(acme_config, callback("message-received"))
    assert api_b.get("/t/acme/api/v1/webhook-events/").status_code == 404
    assert api_b.get(f"/t/acme/api/v1/webhook-events/{event.pk}/").status_code == 404


def test_configuration_detail_shows_the_last_callbacks(client_a, tenant_a, acme_config):
    assert "never" in client_a.get(f"/t/acme/sms/{acme_config.pk}/").content.decode()
    with tenant_context(tenant_a):
        receive_callbacks(acme_config, callback("message-received"))
    html = client_a.get(f"/t/acme/sms/{acme_config.pk}/").content.decode()
    assert "message-received" in html and "14762070468292kw2fuqty55yp2b2" in html
    assert "message-received" in client_a.get("/t/acme/sms/").content.decode()
    assert api_last(client_a, acme_config) is not None


def api_last(client, configuration):
    return client.get(f"/t/acme/api/v1/sms-configurations/{configuration.pk}/").json()["last_callback_at"]
