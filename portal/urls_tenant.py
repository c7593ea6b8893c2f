"""Tenant URLs, served under /t/<slug>/ by django-tenants' subfolder routing."""

from django.urls import include, path

from tenants.api import MeView
from tenants.tenant_views import tenant_settings

api_patterns = [
    path("api/v1/me/", MeView.as_view(), name="api-me"),
    path("api/v1/", include("messaging.api.urls")),
]

urlpatterns = [
    *api_patterns,
    path("settings/", tenant_settings, name="tenant-settings"),
    path("", include("messaging.urls")),
]

handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"
