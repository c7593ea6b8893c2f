"""The signed-in person's own account pages, under /account/ (public schema: users are not per tenant)."""

from django.urls import path

from accounts.views import preferences

app_name = "accounts"

urlpatterns = [
    path("preferences/", preferences.preferences, name="preferences"),
]
