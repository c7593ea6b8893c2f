from django.apps import AppConfig
from django.core import checks


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # Registers the tasks in every process (web too), so messaging.dispatch finds them by name.
        from messaging import tasks  # noqa: F401
        from messaging.checks import encryption_keys_usable, stored_secrets_readable

        # Whether FIELD_ENCRYPTION_KEY reads the stored secrets: `check --database default`, migrate, and
        # `python -m portal.processes` before it starts web, worker or beat.
        checks.register(stored_secrets_readable, "encryption", checks.Tags.database)
        # Whether FIELD_ENCRYPTION_KEY holds Fernet keys at all: every check, no database needed.
        checks.register(encryption_keys_usable, "encryption")
