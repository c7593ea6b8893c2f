"""Values and helpers shared by the outbound tests (the fixtures are in conftest.py)."""

import json

from django.conf import settings
from django.utils import timezone

from messaging.models import Message

DID = "+19195550100"
OTHER_DID = "+19195550101"
RECIPIENT = "+19195550199"
ACCOUNT = "9900123"


def api_url(path: str = "") -> str:
    return f"{settings.BANDWIDTH_MESSAGING_API_URL}/users/{ACCOUNT}{path}"


SEND_URL = api_url("/messages")
SEARCH_URL = api_url("/messages")


def accepted(message_id: str = "1589228074636lm4k2je7j7jklbn2", **extra) -> dict:
    return {"id": message_id, "owner": DID, "time": "2026-11-24T20:14:34.636Z", "segmentCount": 1,
            "direction": "out", "to": [RECIPIENT], "from": DID, "text": "Hello", **extra}


def posted(call) -> dict:
    return json.loads(call.request.body)


def make_message(acme, **overrides) -> Message:
    """An outbound row as queue_message writes it, without the task."""
    fields = {"direction": "out", "status": "queued", "extension": acme.ext.sales,
              "sms_configuration": acme.configuration, "from_number": DID, "to_numbers": [RECIPIENT],
              "text": "Hello", "segments": 1, "next_attempt_at": timezone.now()}
    return Message.objects.create(**(fields | overrides))
