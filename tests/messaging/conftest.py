import pytest
from django_tenants.utils import tenant_context

from messaging.models import PhoneNumber, SmsConfiguration, Trunk
from messaging.services import sms_configurations

APPLICATION_ID = "93de2206-9669-4e07-948d-329f4b722ee2"
CLIENT_SECRET = "s3cret-Client-Secret-value-42"


def configuration_data(trunk, **overrides) -> dict:
    data = {
        "name": "Main SMS", "trunk": trunk, "sender_id": "", "account_id": "9900123",
        "application_id": APPLICATION_ID, "auth_type": "oauth", "username": "client-id-123",
        "password": CLIENT_SECRET, "callback_username": "", "callback_password": "", "enabled": True,
    }
    return data | overrides


@pytest.fixture
def acme_trunk(tenant_a) -> Trunk:
    with tenant_context(tenant_a):
        trunk = Trunk.objects.create(name="BW Raleigh", host="sip.bandwidth.example")
        PhoneNumber.objects.create(trunk=trunk, number="+19195550100")
    return trunk


@pytest.fixture
def acme_config(tenant_a, acme_trunk, admin_a) -> SmsConfiguration:
    with tenant_context(tenant_a):
        return sms_configurations.create_configuration(user=admin_a, data=configuration_data(acme_trunk))
