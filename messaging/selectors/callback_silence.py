"""The tenant home's alarm "sending, but no callbacks": per SMS configuration, messages Bandwidth accepted
CALLBACK_SILENCE_ALARM_MINUTES ago or earlier still wait for their receipt, and no callback at all has reached
the configuration since the newest of them was accepted.

Precisely, for a configuration C and N = CALLBACK_SILENCE_ALARM_MINUTES, with `newest` the latest `sent_at` of
C's messages in status `sent` (accepted by Bandwidth, no delivery receipt yet) accepted between
RECEIPT_WINDOW and N minutes ago: the alarm is on when `newest` exists and C's last stored callback (any type,
WebhookEvent.received_at) is older than `newest`, or there is none. Any callback stored for C after that
clears it, and so does the receipt itself (the message leaves `sent`). Two index lookups per configuration:
the partial index message_awaiting_receipt (status `sent` only) and webhook_event_by_configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from messaging.models import Message, SmsConfiguration, WebhookEvent

# Bandwidth retries a callback for 24 hours: a message sent longer ago will get no receipt any more, and a
# configuration that stopped sending is no longer "sending without callbacks".
RECEIPT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class CallbackSilence:
    configuration: SmsConfiguration
    newest_waiting_at: datetime  # the latest accepted message still without a receipt, N minutes old or more
    last_callback_at: datetime | None
    waiting: int  # messages accepted since the last callback (or in the window) still without a receipt


def list_callback_silences(*, now: datetime | None = None) -> list[CallbackSilence]:
    """The configurations whose alarm is on, by name (one query, and one count per configuration alarmed)."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.CALLBACK_SILENCE_ALARM_MINUTES)
    awaiting = Message.objects.filter(status=Message.Status.SENT, sms_configuration=OuterRef("pk"),
                                      sent_at__lte=cutoff, sent_at__gte=now - RECEIPT_WINDOW)
    last_callback = WebhookEvent.objects.filter(configuration_id=OuterRef("pk")).order_by("-received_at")
    configurations = (
        SmsConfiguration.objects.only("pk", "name")
        .annotate(newest_waiting_at=Subquery(awaiting.order_by("-sent_at").values("sent_at")[:1]),
                  last_callback_at=Subquery(last_callback.values("received_at")[:1]))
        .filter(newest_waiting_at__isnull=False).order_by("name")
    )
    silences = []
    for configuration in configurations:
        last = configuration.last_callback_at
        if last is not None and last >= configuration.newest_waiting_at:
            continue
        since = max(last, now - RECEIPT_WINDOW) if last else now - RECEIPT_WINDOW
        waiting = Message.objects.filter(status=Message.Status.SENT, sms_configuration=configuration,
                                         sent_at__lte=cutoff, sent_at__gt=since).count()
        silences.append(CallbackSilence(configuration=configuration, newest_waiting_at=configuration.newest_waiting_at,
                                        last_callback_at=last, waiting=waiting))
    return silences
