"""Public webhook URLs (outside /t/<slug>/): Bandwidth calls these."""

from django.urls import path

from messaging.views.toll_free_webhook import toll_free_callback
from messaging.views.webhook import bandwidth_callback

app_name = "webhooks"

urlpatterns = [
    path("bandwidth/toll-free/<str:slug>/<str:token>/", toll_free_callback, name="bandwidth-toll-free"),
    path("bandwidth/<str:token>/", bandwidth_callback, name="bandwidth"),
]
