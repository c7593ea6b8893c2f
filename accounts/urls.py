"""The signed-in person's own account pages, under /account/ (public schema: users are not per tenant)."""

from django.urls import path

from accounts.views import password, preferences, tokens, two_factor

app_name = "accounts"

urlpatterns = [
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<uuid:uid>/revoke/", tokens.token_revoke, name="token-revoke"),
    path("tokens/revoke-all/", tokens.token_revoke_all, name="token-revoke-all"),
    path("", two_factor.overview, name="overview"),
    path("password/", password.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", password.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", password.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path("password/reset/<uidb64>/<token>/", password.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("password/reset/done/", password.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("two-factor/", two_factor.two_factor_page, name="two-factor"),
    path("two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("two-factor/disable/", two_factor.two_factor_disable, name="two-factor-disable"),
    path("security/", two_factor.security_policy, name="security"),
    path("security/reset-two-factor/", two_factor.security_reset_two_factor, name="security-reset-two-factor"),
    path("preferences/", preferences.preferences, name="preferences"),
]
