"""The signed-in person's own account pages, under /account/ (public schema: users are not per tenant)."""

from django.urls import path

from accounts.views import tokens

app_name = "accounts"

urlpatterns = [
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<uuid:uid>/revoke/", tokens.token_revoke, name="token-revoke"),
    path("tokens/revoke-all/", tokens.token_revoke_all, name="token-revoke-all"),
]
