"""Public webhook URLs (outside /t/<slug>/): Bandwidth calls these."""

from django.urls import path

from messaging.views.webhook import bandwidth_callback

app_name = "webhooks"

urlpatterns = [
    path("bandwidth/<str:token>/", bandwidth_callback, name="bandwidth"),
]
