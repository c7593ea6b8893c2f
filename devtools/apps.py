from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Only carries the development management commands; no models, no URLs."""

    name = "devtools"
    verbose_name = "Development tools"
