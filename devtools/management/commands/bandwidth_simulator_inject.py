"""Inject an inbound SMS/MMS into a running Bandwidth simulator: it calls the application back with
`message-received`, as Bandwidth would when someone texts one of our numbers. Needs no database."""

from __future__ import annotations

import requests
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make the Bandwidth simulator deliver an inbound message (message-received callback)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        add = parser.add_argument
        add("--simulator", default="http://127.0.0.1:9050", help="simulator base URL (default %(default)s)")
        add("--to", action="append", required=True, help="our number (E.164); repeat for a group message")
        add("--from", dest="from_", required=True, help="the texter's number (E.164)")
        add("--text", default="", help="message text")
        add("--picture", action="store_true", help="attach a small sample PNG")
        add("--media", action="append", default=[], metavar="NAME",
            help="attach media already uploaded to the simulator under the account (repeatable)")
        add("--application-id", help="the messaging application (default: found from the --to number)")
        add("--account-id", help="account ID, when the application was registered without one")

    def handle(self, *args, **options):
        payload = {"to": options["to"], "from": options["from_"], "text": options["text"],
                   "picture": options["picture"], "media": options["media"],
                   "applicationId": options["application_id"], "accountId": options["account_id"]}
        url = options["simulator"].rstrip("/") + "/simulator/inbound"
        session = requests.Session()
        session.trust_env = False  # the simulator is local: no proxy from the environment
        try:
            with session:
                response = session.post(url, json=payload, timeout=10)
        except requests.RequestException as exc:
            raise CommandError(f"the simulator at {options['simulator']} cannot be reached: {exc}") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 202:
            raise CommandError(f"the simulator refused (HTTP {response.status_code}): "
                               f"{data.get('error') or response.text[:300]}")
        message = data["message"]
        self.stdout.write(self.style.SUCCESS(
            f"Injected {message['id']} from {message['from']} to {', '.join(message['to'])} "
            f"(application {message['applicationId']})"))
        for media_url in message["media"]:
            self.stdout.write(f"  media: {media_url}")
