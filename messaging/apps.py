from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # Registers the tasks in every process (web too), so messaging.dispatch finds them by name.
        from messaging import tasks  # noqa: F401
