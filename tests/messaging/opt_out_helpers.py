"""What the opt-out list's screen and API tests share."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

REMOTE = "+19195550199"


def in_acme(tenant, fn):
    with tenant_context(tenant):
        return fn()


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("opt-outs.csv", text.encode(), content_type="text/csv")
