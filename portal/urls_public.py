"""Public URLs: sign-in, Tenants, the audit log, webhooks, health, the public API and its docs."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from portal.api.auth import ObtainTokenView
from portal.metrics import metrics_view
from tenants.api import TenantViewSet

router = SimpleRouter()
router.register("tenants", TenantViewSet, basename="tenant")

api_patterns = [
    path("api/v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/v1/", include(router.urls)),
]

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
    *api_patterns,
    path("account/", include("accounts.urls")),
    path("webhooks/", include("messaging.webhook_urls")),
    path("metrics", metrics_view, name="metrics"),  # Prometheus (portal/metrics.py, docs/operations.md)
    path("", include("tenants.urls")),
]

handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"
