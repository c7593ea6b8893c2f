"""The SMS configuration's Sender ID under Bandwidth's rules, and its priority and expiration."""

import pytest
from django_tenants.utils import tenant_context

from messaging.exceptions import ConfigurationInvalid
from messaging.models import SmsConfiguration
from messaging.services.configuration import sms_configurations as service
from tests.messaging.factories import configuration_data

pytestmark = pytest.mark.django_db


def create(tenant, trunk, **overrides) -> SmsConfiguration:
    with tenant_context(tenant):
        return service.create_configuration(user=None, **configuration_data(trunk, **overrides))


def problems(tenant, trunk, **overrides) -> dict[str, str]:
    with pytest.raises(ConfigurationInvalid) as error:
        create(tenant, trunk, **overrides)
    return {field: " ".join(messages) for field, messages in error.value.fields.items()}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ACME", "ACME"),
        (" Acme Co ", "Acme Co"),  # surrounding spaces dropped, inner ones kept
        ("A", "A"),
        ("Shop-24_7+&", "Shop-24_7+&"),  # 11 characters, every allowed sign
        ("1st Bank", "1st Bank"),
        ("(919) 555-0100", "+19195550100"),  # numbers as before
        ("12345", "12345"),  # a short code as before
    ],
)
def test_sender_ids_bandwidth_accepts_are_stored(tenant_a, acme_trunk, typed, stored):
    assert create(tenant_a, acme_trunk, sender_id=typed).sender_id == stored


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("Acme Company", "at most 11 characters"),  # 12
        ("Acme!", "with at least one letter"),  # "!" is not among Bandwidth's signs
        ("Café", "letters A–Z or a–z"),  # not an ASCII letter
        ("Acme.co", "- + _ &"),
        ("1234", "short code"),  # no letter: it is read as a number and is not one
    ],
)
def test_sender_ids_bandwidth_refuses_are_explained(tenant_a, acme_trunk, typed, words):
    assert words in problems(tenant_a, acme_trunk, sender_id=typed)["sender_id"]
    with tenant_context(tenant_a):
        assert not SmsConfiguration.objects.exists()


def test_priority_and_expiration_are_stored_and_default_to_unset(tenant_a, acme_trunk):
    plain = create(tenant_a, acme_trunk)
    assert (plain.priority, plain.expiration_minutes) == ("", 0)
    with tenant_context(tenant_a):
        changed = service.update_configuration(
            user=None, configuration=plain, priority="high", expiration_minutes=10080
        )
        assert (changed.priority, changed.expiration_minutes) == ("high", 10080)
        kept = service.update_configuration(user=None, configuration=changed, enabled=False)
        assert (kept.priority, kept.expiration_minutes) == ("high", 10080)
        cleared = service.update_configuration(user=None, configuration=kept, priority="", expiration_minutes=0)
        assert (cleared.priority, cleared.expiration_minutes) == ("", 0)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"priority": "urgent"}, "priority", "default or high"),
        ({"expiration_minutes": 10081}, "expiration_minutes", "from 1 to 10080"),
        ({"expiration_minutes": -5}, "expiration_minutes", "0 for no expiration"),
    ],
)
def test_bad_priority_or_expiration_is_refused_by_field(tenant_a, acme_trunk, overrides, field, words):
    assert words in problems(tenant_a, acme_trunk, **overrides)[field]
