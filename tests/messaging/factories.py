"""What the messaging tests build: Acme's numbers and credentials, rows, Bandwidth payloads and answers.

The fixtures that use these live in tests/messaging/conftest.py; a test imports from here what it
passes or compares by value.
"""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django_tenants.utils import tenant_context

from messaging.bandwidth import Credentials
from messaging.models import (
    AuditEntry,
    Extension,
    Message,
    OptOut,
    OutboundRule,
    PhoneNumber,
    SmsConfiguration,
    Trunk,
    WebhookEvent,
)
from messaging.services.inbound import inbox, webhook
from tenants.models import Tenant

T = TypeVar("T")

# --- Acme's numbers and Bandwidth account

DID = "+19195550100"
OTHER_DID = "+19195550101"
RECIPIENT = "+19195550199"
ACCOUNT = "9900123"
APPLICATION_ID = "93de2206-9669-4e07-948d-329f4b722ee2"
CLIENT_SECRET = "s3cret-Client-Secret-value-42"

# Read from settings once, so the faked URLs are the ones the portal calls.
API_URL = settings.BANDWIDTH_MESSAGING_API_URL
TOKEN_URL = settings.BANDWIDTH_OAUTH_TOKEN_URL
TOKEN = {"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600}
# What the Bandwidth client tests sign in with (the portal's own come from an SmsConfiguration).
OAUTH = Credentials(account_id=ACCOUNT, username="client-id", password="client-secret-xyz")


def api_url(path: str = "") -> str:
    return f"{API_URL}/users/{ACCOUNT}{path}"


SEND_URL = api_url("/messages")
SEARCH_URL = api_url("/messages")
MEDIA_URL = api_url("/media")

# --- Rows


def configuration_data(trunk, **overrides) -> dict:
    """What the SMS configuration form or API would pass to the service: "Main SMS", OAuth, enabled."""
    data = {
        "name": "Main SMS", "trunk": trunk, "sender_id": "", "account_id": ACCOUNT,
        "application_id": APPLICATION_ID, "auth_type": "oauth", "username": "client-id-123",
        "password": CLIENT_SECRET, "callback_username": "", "callback_password": "", "enabled": True,
    }
    return data | overrides


def build_acme(tenant: Tenant) -> SimpleNamespace:
    """In the current schema: trunk with two registered DIDs, configuration "Main SMS", extensions
    101 (own DID), 102 (may not send), 103 (own sender ID +19195550101), 104, and rule "US" (+1, 11 digits)."""
    trunk = Trunk.objects.create(name="BW Raleigh", host="sip.bandwidth.example")
    did = PhoneNumber.objects.create(trunk=trunk, number=DID, ten_dlc_status="registered", rate_per_second=100)
    PhoneNumber.objects.create(trunk=trunk, number=OTHER_DID, ten_dlc_status="registered", rate_per_second=100)
    configuration = SmsConfiguration.objects.create(
        name="Main SMS", trunk=trunk, account_id=ACCOUNT, application_id=APPLICATION_ID, auth_type="oauth",
        username="client-id-123", password=CLIENT_SECRET,
    )
    ext = SimpleNamespace(
        sales=Extension.objects.create(number="101", name="Sales", did=did),
        blocked=Extension.objects.create(number="102", send_sms=Extension.SendSms.NOT_ALLOWED),
        chooser=Extension.objects.create(number="103", send_sms=Extension.SendSms.ALLOWED_WITH_SENDER_ID,
                                         sender_id="+1 919 555 0101"),
        bare=Extension.objects.create(number="104"),
    )
    rule = OutboundRule.objects.create(name="US", destination_prefix="+1", destination_length=11,
                                       sms_configuration=configuration, order=10)
    return SimpleNamespace(tenant=tenant, trunk=trunk, did=did, configuration=configuration, rule=rule, ext=ext)


def clear_acme() -> None:
    """Remove what build_acme and the tests committed in the current schema."""
    Message.objects.all().delete()
    OptOut.objects.all().delete()
    OutboundRule.objects.all().delete()
    Extension.objects.all().delete()
    SmsConfiguration.objects.all().delete()
    Trunk.objects.all().delete()
    AuditEntry.objects.all().delete()


def make_message(acme, **overrides) -> Message:
    """An outbound row as queue_message writes it, without the task."""
    fields = {"direction": "out", "status": "queued", "extension": acme.ext.sales,
              "sms_configuration": acme.configuration, "from_number": DID, "to_numbers": [RECIPIENT],
              "text": "Hello", "segments": 1, "next_attempt_at": timezone.now()}
    return Message.objects.create(**(fields | overrides))


# --- Bandwidth: callback payloads (tests/fixtures/bandwidth/) and API answers

CALLBACKS = Path(__file__).resolve().parent.parent / "fixtures" / "bandwidth"


def callback(name: str, **changes) -> list[dict]:
    """A callback fixture's event list; `changes` set event fields, `message__x` set message fields."""
    events = copy.deepcopy(json.loads((CALLBACKS / f"{name}.json").read_text()))
    for key, value in changes.items():
        if key.startswith("message__"):
            events[0]["message"][key.removeprefix("message__")] = value
        else:
            events[0][key] = value
    return events


def receive_callbacks(configuration, events: list[dict]) -> list[WebhookEvent]:
    """Store the events in the inbox and process them, as the webhook and the drain it wakes would."""
    webhook.record_callbacks(configuration_id=configuration.pk, events=events)
    stored = list(WebhookEvent.objects.filter(processed_at__isnull=True).order_by("id"))
    inbox.drain_inbox()
    return [WebhookEvent.objects.get(pk=e.pk) for e in stored]


def accepted(message_id: str = "1589228074636lm4k2je7j7jklbn2", **extra) -> dict:
    """Bandwidth's 202 answer to a send."""
    return {"id": message_id, "owner": DID, "time": "2026-11-24T20:14:34.636Z", "segmentCount": 1,
            "direction": "out", "to": [RECIPIENT], "from": DID, "text": "Hello", **extra}


def posted(call) -> dict:
    """The JSON body of a request `responses` recorded."""
    return json.loads(call.request.body)


# --- Reading Acme's schema from a test that is not in it


def in_acme(acme: Tenant | SimpleNamespace, read: Callable[[], T]) -> T:
    """What `read()` returns in Acme's schema; `acme` is Acme's tenant or the `acme` fixture."""
    with tenant_context(getattr(acme, "tenant", acme)):
        return read()


def rows_of(*models: type[Model]) -> Callable[[Tenant], list]:
    """A reader of every row of these models in a tenant's schema, to show that a request changed nothing."""

    def read(tenant: Tenant) -> list:
        with tenant_context(tenant):
            return [row for model in models for row in model.objects.order_by("pk").values()]

    return read


def set_celery_conf(**values) -> dict:
    """Change the Celery app's settings now (portal/celery.py hands them over under Celery's own names, so
    an update wins); return what they were."""
    from portal.celery import app

    before = {key: app.conf[key] for key in values}
    app.conf.update(values)
    return before


def path_of(url: str) -> str:
    """The path of an absolute URL (the test client takes paths): `https://h/webhooks/...` -> `/webhooks/...`."""
    return "/" + url.split("/", 3)[3]


def handed_to_tasks(callbacks) -> list:
    """Of the on-commit callbacks a test captured, those that hand work to a Celery task
    (messaging/dispatch.py), leaving out the live events (messaging/live/) that also leave on commit."""
    return [callback for callback in callbacks if callback.__module__ == "messaging.dispatch"]
