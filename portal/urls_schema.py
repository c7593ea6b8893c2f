"""The URLconf drf-spectacular reads: the public API, and the tenant API under t/{tenant}/.

drf-spectacular reads ROOT_URLCONF, not the request's, so it needs both halves in one place.
"""

from django.urls import include, path

from portal import urls_public, urls_tenant

urlpatterns = [
    *urls_public.api_patterns,
    path("t/<slug:tenant>/", include(urls_tenant.api_patterns)),
]
