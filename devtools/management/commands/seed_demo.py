"""Seed the demo tenant `make run` shows when no real Bandwidth account is configured.

A Bandwidth trunk with two DIDs and a toll-free number, an SMS configuration pointing at the local
simulator (its webhook registered there), two extensions, inbound and outbound rules, and a tenant
administrator. At the simulator, the demo account gets what its account API shows: a site "Main" whose SIP
peer "PBX" holds the trunk's numbers and is assigned the demo application, an active 10DLC campaign holding
the long codes, and the toll-free number verified. Safe to run on every start: what exists is kept, and
the simulator is told again (it keeps its state in memory).
"""

import secrets
from pathlib import Path

import requests
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import tenant_context

from messaging.models import Extension, InboundRule, OutboundRule, PhoneNumber, SmsConfiguration, Trunk
from messaging.services.configuration import sms_configurations
from tenants.models import Tenant
from tenants.services import create_tenant

DEMO_SLUG = "demo"
DEMO_ADMIN = "demo-admin"
ACCOUNT_ID = "9900123"
APPLICATION_ID = "93de2206-9669-4e07-948d-329f4b722ee2"
CLIENT_ID, CLIENT_SECRET = "demo-client-id", "demo-client-secret"
DIDS = {"+19195550100": ("101", "Alice"), "+19195550101": ("102", "Bob")}
TOLL_FREE = "+18335550100"
CAMPAIGN_ID = "CDEMO01"
SITE_ID, PEER_ID = "1001", "5001"


class Command(BaseCommand):
    help = "Create (or refresh) the demo tenant wired to the local Bandwidth simulator."

    def add_arguments(self, parser):
        parser.add_argument("--simulator", required=True, help="The simulator's base URL, e.g. http://127.0.0.1:9050")
        parser.add_argument("--credentials-file", default="", help="Where to keep the demo admin's password.")

    def handle(self, *args, simulator: str, credentials_file: str, **options):
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
        if tenant is None:
            password = secrets.token_urlsafe(12)
            tenant = create_tenant(name="Demo Company", slug=DEMO_SLUG, admin_username=DEMO_ADMIN,
                                   admin_password=password)
            self._keep_credentials(credentials_file, password)
            self.stdout.write(f"Created the demo tenant; its administrator: {DEMO_ADMIN} / {password}")
        with tenant_context(tenant):
            configuration = self._seed_tenant()
            webhook_url = sms_configurations.webhook_url(configuration)
            numbers = list(PhoneNumber.objects.filter(trunk=configuration.trunk).values_list("number", flat=True))
        self._register_at_simulator(simulator.rstrip("/"), configuration, webhook_url)
        self._seed_account(simulator.rstrip("/"), configuration, numbers)
        self.stdout.write(f"Demo tenant ready at /t/{DEMO_SLUG}/ (webhook registered at the simulator).")

    @transaction.atomic
    def _seed_tenant(self) -> SmsConfiguration:
        trunk, _ = Trunk.objects.get_or_create(name="Bandwidth (simulated)", defaults={"host": "sip.simulator.test"})
        numbers = {}
        for did in DIDS:
            numbers[did], _ = PhoneNumber.objects.get_or_create(
                number=did, defaults={"trunk": trunk, "ten_dlc_status": "registered", "campaign_id": CAMPAIGN_ID}
            )
        PhoneNumber.objects.get_or_create(number=TOLL_FREE,
                                          defaults={"trunk": trunk, "ten_dlc_status": "not_applicable"})
        configuration = SmsConfiguration.objects.filter(name="Demo SMS").first()
        if configuration is None:
            configuration = sms_configurations.create_configuration(
                user=None, name="Demo SMS", trunk=trunk, sender_id="", account_id=ACCOUNT_ID,
                application_id=APPLICATION_ID, auth_type="oauth", username=CLIENT_ID,
                password=CLIENT_SECRET, callback_username="bw-demo",
                callback_password=secrets.token_urlsafe(18), enabled=True,
            )
        extensions = []
        for did, (number, name) in DIDS.items():
            extension, _ = Extension.objects.get_or_create(number=number, defaults={"name": name, "did": numbers[did]})
            extensions.append(extension)
            rule, created = InboundRule.objects.get_or_create(
                name=f"{did} to {name}", defaults={"trunk": trunk, "did_start": did, "did_end": did, "order": 10}
            )
            if created:
                rule.extensions.add(extension)
        OutboundRule.objects.get_or_create(
            name="US and Canada from the extension's DID",
            defaults={"destination_prefix": "+1", "destination_length": 11, "sms_configuration": configuration,
                      "sender": OutboundRule.Sender.EXTENSION_DID, "order": 10},
        )
        return configuration

    def _register_at_simulator(self, simulator: str, configuration: SmsConfiguration, webhook_url: str) -> None:
        body = {"callbackUrl": webhook_url, "callbackUsername": configuration.callback_username,
                "callbackPassword": configuration.callback_password, "accountId": configuration.account_id}
        try:
            answer = requests.put(f"{simulator}/simulator/applications/{configuration.application_id}", json=body,
                                  timeout=5)
            answer.raise_for_status()
        except requests.RequestException as exc:
            raise CommandError(f"Could not register the demo webhook at the simulator {simulator}: {exc}") from exc

    def _seed_account(self, simulator: str, configuration: SmsConfiguration, numbers: list[str]) -> None:
        """The demo account's locations, 10DLC campaign and toll-free status at the simulator's account API."""
        long_codes = [number for number in numbers if number != TOLL_FREE]
        fixtures = {
            "locations": {"sites": [{"id": SITE_ID, "name": "Main", "description": "Demo site", "sipPeers": [
                {"id": PEER_ID, "name": "PBX", "isDefault": True, "numbers": numbers,
                 "applicationId": configuration.application_id}]}]},
            "campaigns": {"campaigns": [{"campaignId": CAMPAIGN_ID, "messageClass": "Campaign-E", "status": "Active",
                                         "description": "Demo customer care", "numbers": long_codes}]},
            "toll-free": {"numbers": {TOLL_FREE: {"status": "VERIFIED"}} if TOLL_FREE in numbers else {}},
        }
        base = f"{simulator}/simulator/accounts/{configuration.account_id}"
        try:
            for kind, body in fixtures.items():
                requests.put(f"{base}/{kind}", json=body, timeout=5).raise_for_status()
        except requests.RequestException as exc:
            raise CommandError(f"Could not seed the demo account at the simulator {simulator}: {exc}") from exc

    def _keep_credentials(self, path: str, password: str) -> None:
        if not path:
            return
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"username={DEMO_ADMIN}\npassword={password}\n")
        target.chmod(0o600)
