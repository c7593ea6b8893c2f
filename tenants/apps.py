from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        # Registers the tasks in every process (web too), so messaging.dispatch finds them by name.
        from tenants import tasks  # noqa: F401
