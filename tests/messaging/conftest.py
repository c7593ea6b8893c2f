from types import SimpleNamespace

import pytest
import responses
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.models import (
    AuditEntry,
    Extension,
    Message,
    OptOut,
    OutboundRule,
    PhoneNumber,
    SmsConfiguration,
    Trunk,
)
from messaging.services.configuration import sms_configurations
from portal.celery import app
from tenants.models import Tenant
from tests.messaging.outbound_data import DID, OTHER_DID

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
        return sms_configurations.create_configuration(user=admin_a, **configuration_data(acme_trunk))


# --- Outbound: Acme with a trunk, an SMS configuration, extensions and a US rule; Bandwidth faked with `responses`.


@pytest.fixture
def fresh_redis():
    """Tokens and rate-limit schedules live in Redis: a test using Bandwidth or Acme starts without them.
    (Not autouse: a plugin's autouse fixture would run for every test of the session.)"""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bandwidth(fresh_redis):
    """Bandwidth's API faked with `responses`; a token is always available."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(settings.BANDWIDTH_OAUTH_TOKEN_URL,
                  json={"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})
        yield mock


@pytest.fixture
def eager():
    """Run tasks in this process (the countdowns of retries are skipped)."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def build_acme(tenant: Tenant) -> SimpleNamespace:
    """In the current schema: trunk with two registered DIDs, configuration "Main SMS", extensions
    101 (own DID), 102 (may not send), 103 (own sender ID +19195550101), 104, and rule "US" (+1, 11 digits)."""
    trunk = Trunk.objects.create(name="BW Raleigh", host="sip.bandwidth.example")
    did = PhoneNumber.objects.create(trunk=trunk, number=DID, ten_dlc_status="registered", rate_per_second=100)
    PhoneNumber.objects.create(trunk=trunk, number=OTHER_DID, ten_dlc_status="registered", rate_per_second=100)
    configuration = SmsConfiguration.objects.create(
        name="Main SMS", trunk=trunk, account_id="9900123", application_id=APPLICATION_ID, auth_type="oauth",
        username="client-id-123", password=CLIENT_SECRET,
    )
    ext = SimpleNamespace(
        sales=Extension.objects.create(number="101", name="Sales", did=did),
        blocked=Extension.objects.create(number="102", send_sms=Extension.SendSms.NOT_ALLOWED),
        chooser=Extension.objects.create(number="103", send_sms=Extension.SendSms.ALLOWED_WITH_SENDER_ID,
                                         sender_id="+1 919 555 0101"),
        bare=Extension.objects.create(number="104"),
    )
    rule = OutboundRule.objects.create(name="US", destination_prefix="+1", destination_length=11,
                                       sms_configuration=configuration, order=10)
    return SimpleNamespace(tenant=tenant, trunk=trunk, did=did, configuration=configuration, rule=rule, ext=ext)


def clear_acme() -> None:
    """Remove what build_acme and the tests committed in the current schema."""
    Message.objects.all().delete()
    OptOut.objects.all().delete()
    OutboundRule.objects.all().delete()
    Extension.objects.all().delete()
    SmsConfiguration.objects.all().delete()
    Trunk.objects.all().delete()
    AuditEntry.objects.all().delete()


@pytest.fixture
def acme(tenant_a, fresh_redis):
    """Acme, ready to send, inside a test transaction; the test body stays in Acme's schema."""
    with tenant_context(tenant_a):
        setup = build_acme(tenant_a)
    connection.set_tenant(tenant_a)
    return setup


@pytest.fixture
def committed_acme(django_db_setup, django_db_blocker, fresh_redis):
    """Acme ready to send, committed (for threads and worker processes with their own connections).

    Yields inside `django_db_blocker.unblock()`: the test body may use the database directly."""
    with django_db_blocker.unblock():
        tenant = Tenant.objects.get(slug="acme")
        with tenant_context(tenant):
            setup = build_acme(tenant)
        try:
            yield setup
        finally:
            with tenant_context(tenant):
                clear_acme()
            connection.set_schema_to_public()
