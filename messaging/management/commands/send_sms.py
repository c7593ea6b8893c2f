"""`manage.py send_sms --tenant acme --from-extension 101 --to +19195550199 --text Hello [--media FILE]`"""

import mimetypes
import os
from contextlib import ExitStack

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from messaging.exceptions import MessagingError
from messaging.models import Extension
from messaging.services.outbound import compose
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Queue an SMS/MMS from an extension, as the Compose screen does, and print its id and status."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's slug, e.g. acme.")
        parser.add_argument("--from-extension", required=True, help="The sending extension's number, e.g. 101.")
        parser.add_argument("--to", action="append", required=True,
                            help="A recipient number; repeat for a group message.")
        parser.add_argument("--text", default="", help="The message text.")
        parser.add_argument("--media", action="append", default=[],
                            help="A file to attach, or an https URL; repeat for several.")

    def handle(self, *args, **options):
        tenant = Tenant.objects.customers().filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"There is no tenant {options['tenant']!r}.")
        with tenant_context(tenant), ExitStack() as files:
            extension = Extension.objects.filter(number=options["from_extension"]).first()
            if extension is None:
                raise CommandError(f"Tenant {tenant.slug} has no extension {options['from_extension']}.")
            media = [self._media(item, files) for item in options["media"]]
            try:
                message = compose.queue_message(extension=extension, to=options["to"], text=options["text"],
                                                 media=media)
            except MessagingError as exc:
                raise CommandError(f"Not sent: {exc.message}") from exc
        self.stdout.write(f"Queued message {message.pk} (tag {message.uid}): status {message.status}, "
                          f"from {message.from_number} to {', '.join(message.to_numbers)}, {message.segments} "
                          f"segment(s).")
        for warning in message.warnings:
            self.stderr.write(f"Warning: {warning}")

    @staticmethod
    def _media(item: str, files: ExitStack) -> File | str:
        if item.startswith(("https://", "http://")):
            return item
        try:
            handle = files.enter_context(open(item, "rb"))  # closed by the ExitStack
        except OSError as exc:
            raise CommandError(f"Cannot read {item}: {exc.strerror}.") from exc
        upload = File(handle, name=os.path.basename(item))
        upload.content_type = mimetypes.guess_type(item)[0] or "application/octet-stream"
        return upload
