"""Public webhook URLs (outside /t/<slug>/): Bandwidth calls these."""

app_name = "webhooks"

urlpatterns: list = []
