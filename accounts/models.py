"""Account data in the public schema (users are not per tenant)."""

import uuid

from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """An API token as django-rest-knox keeps it: the SHA-512 digest of the key (the primary key) and the
    key's first 15 characters to find it by; the key itself is shown once and stored nowhere.

    `uid` names the token in URLs and the API: the digest is the primary key, and `token_key` is part of
    the secret, so neither is shown."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.label or str(self.uid)
