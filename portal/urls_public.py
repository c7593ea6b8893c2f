"""Public URLs: sign-in, Tenants, the audit log, webhooks, health, the public API and its docs."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from accounts.api import ApiTokenDetailView, ApiTokenListView
from accounts.views.two_factor import SignInView
from portal.api.auth import ObtainTokenView
from portal.metrics import metrics_view
from tenants.api import TenantViewSet
from tenants.usage_api import TenantUsageView

router = SimpleRouter()
router.register("tenants", TenantViewSet, basename="tenant")

api_patterns = [
    path("api/v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/v1/auth/tokens/", ApiTokenListView.as_view(), name="api-token-list"),
    path("api/v1/auth/tokens/<uuid:uid>/", ApiTokenDetailView.as_view(), name="api-token-detail"),
    path("api/v1/usage/", TenantUsageView.as_view(), name="api-tenant-usage"),
    path("api/v1/", include(router.urls)),
]

urlpatterns = [
    # Django's LoginView, with the authenticator code as a second step for users who have one (accounts/).
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves Swagger UI's start-up script as a file: the Content-Security-Policy allows no
        # inline script without a nonce.
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[AllowAny],
                                            template_name="api/swagger_ui.html"),
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
