import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from messaging.fields import SecretUnreadable
from messaging.models import SmsConfiguration, TollFreeSubscription
from tests.messaging.factories import CLIENT_SECRET

pytestmark = pytest.mark.django_db


def stored_password(tenant, pk) -> str:
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT password FROM messaging_smsconfiguration WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_reencrypts_under_the_new_first_key(tenant_a, acme_config, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key dropped after rotation
    with tenant_context(tenant_a):
        assert SmsConfiguration.objects.get(pk=acme_config.pk).password == CLIENT_SECRET
    assert CLIENT_SECRET not in stored_password(tenant_a, acme_config.pk)


def test_rotation_reencrypts_the_toll_free_webhook_password(tenant_a, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    with tenant_context(tenant_a):
        TollFreeSubscription.objects.create(account_id="9900123", token="t" * 43, username="bw-tfv-1",
                                            password="tfv-callback-secret")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with tenant_context(tenant_a):
        assert TollFreeSubscription.objects.get().password == "tfv-callback-secret"


def test_secret_no_key_can_read_is_a_loud_error_not_ciphertext(tenant_a, acme_config, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with tenant_context(tenant_a), pytest.raises(SecretUnreadable, match="cannot be decrypted"):
        SmsConfiguration.objects.get(pk=acme_config.pk)
