from django.db import models

from messaging.fields import EncryptedTextField


class TollFreeSubscription(models.Model):
    """The portal's toll-free verification webhook subscription at one Bandwidth account.

    Bandwidth calls `callback_url` (which holds `token`) with HTTP Basic `username`/`password`, both generated
    here and never shown. `subscription_id` is Bandwidth's id once created; `error` says why it could not be
    created or updated (the periodic refresh still reads the statuses then).
    """

    account_id = models.CharField(max_length=32, unique=True)
    token = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=64)
    password = EncryptedTextField()
    subscription_id = models.CharField(max_length=64, blank=True)
    callback_url = models.CharField(max_length=500, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    SECRET_FIELDS = ("password",)

    def __str__(self) -> str:
        return f"toll-free verification webhook of account {self.account_id}"
