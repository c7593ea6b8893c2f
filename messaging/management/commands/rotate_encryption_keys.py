"""Re-encrypt every tenant's secrets under the first key of FIELD_ENCRYPTION_KEY.

Rotation: put the new key first and keep the old one after it, run this command, then drop the old key.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.services.two_factor import rotate_device_keys
from messaging.fields import rotate
from messaging.models import SmsConfiguration, TollFreeSubscription
from tenants.models import Tenant
from tenants.schemas import for_each_tenant


class Command(BaseCommand):
    help = "Re-encrypt all stored secrets (every tenant) under the first FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        total = 0
        for tenant in for_each_tenant(Tenant.objects.order_by("slug")):
            count = self._rotate_tenant()
            total += count
            self.stdout.write(f"{tenant.slug}: {count} secret(s) re-encrypted")
        connection.set_schema_to_public()
        count = rotate_device_keys()  # the authenticator apps' keys (public schema, accounts/)
        total += count
        self.stdout.write(f"authenticator apps: {count} key(s) re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} secret(s) re-encrypted under the first key."))

    def _rotate_tenant(self) -> int:
        count = 0
        table = SmsConfiguration._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            # Raw SQL: the ciphertext itself is rotated, never decrypted into a model and saved back.
            cursor.execute(f"SELECT id, password, callback_password FROM {table} FOR UPDATE")
            for pk, password, callback_password in cursor.fetchall():
                cursor.execute(
                    f"UPDATE {table} SET password = %s, callback_password = %s WHERE id = %s",
                    [rotate(password), rotate(callback_password or ""), pk],
                )
                count += int(bool(password)) + int(bool(callback_password))
            table = TollFreeSubscription._meta.db_table
            cursor.execute(f"SELECT id, password FROM {table} FOR UPDATE")
            for pk, password in cursor.fetchall():
                cursor.execute(f"UPDATE {table} SET password = %s WHERE id = %s", [rotate(password), pk])
                count += int(bool(password))
        return count
