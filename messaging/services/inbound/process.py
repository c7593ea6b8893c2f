"""Processing stored callbacks: inbound messages, their routing, opt-outs and delivery receipts."""

import logging

from django.db import transaction
from django.utils import timezone

from messaging import dispatch
from messaging.bandwidth.segments import count_segments
from messaging.models import Message, MessageMedia, OptOut, SmsConfiguration, WebhookEvent
from messaging.services.inbound.routing import inbound_route
from messaging.services.outbound.status import EVENT_STATUS, apply_delivery_event

logger = logging.getLogger(__name__)

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_KEYWORDS = frozenset({"HELP"})


def process_callback(*, event_id: int) -> None:
    """Apply one stored callback. Processing it twice has the effect of processing it once: the event row
    is locked, and a processed event is left alone. Events of a disabled configuration wait."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.processed_at is not None:
            return
        configuration = (
            SmsConfiguration.objects.filter(pk=event.configuration_id).only("id", "enabled", "trunk_id").first()
        )
        event.attempts += 1
        if configuration is None:
            _finish(event, WebhookEvent.State.IGNORED, "The SMS configuration was deleted.")
        elif not configuration.enabled:
            event.note = "Waiting: the SMS configuration is disabled; processed once it is enabled."
            event.save(update_fields=["attempts", "note"])
        elif event.event_type == "message-received":
            _finish(event, WebhookEvent.State.PROCESSED, receive_message(event=event, configuration=configuration))
        elif event.event_type in EVENT_STATUS:
            _finish(event, WebhookEvent.State.PROCESSED, apply_delivery_event(event=event.payload))
        else:
            _finish(event, WebhookEvent.State.IGNORED, f"Unknown event type “{event.event_type}”: stored only.")


def queue_waiting_callbacks(*, configuration_id: int) -> int:
    """Queue the callbacks a disabled configuration kept waiting; return how many."""
    ids = list(
        WebhookEvent.objects.filter(configuration_id=configuration_id, processed_at__isnull=True)
        .order_by("id").values_list("pk", flat=True)
    )
    dispatch.on_commit_each("messaging.process_callback", ids)
    return len(ids)


def _finish(event: WebhookEvent, state: str, note: str) -> None:
    event.state, event.note, event.processed_at = state, note, timezone.now()
    event.save(update_fields=["state", "note", "processed_at", "attempts"])


def receive_message(*, event: WebhookEvent, configuration: SmsConfiguration) -> str:
    """Store an inbound message once (a group message stays one message), route it, note opt-outs,
    and queue its media downloads."""
    payload = event.payload.get("message") or {}
    carrier_id = payload.get("id", "")
    our_number = event.recipient or _first(payload.get("to"))
    caller = str(payload.get("from", ""))
    message = (
        Message.objects.select_for_update()
        .filter(direction=Message.Direction.INBOUND, provider_message_id=carrier_id).first()
        if carrier_id else None
    )
    created = message is None
    if created:
        message = _create_inbound(payload, configuration, our_number, caller)
    route = inbound_route(trunk_id=configuration.trunk_id, did=our_number, caller=caller)
    if route.extensions:
        message.routed_to.add(*route.extensions)
    message.unrouted = not message.routed_to.exists()
    message.save(update_fields=["unrouted"])
    keyword_note = _apply_keyword(message, our_number=our_number, caller=caller) if created else ""
    where = ", ".join(e.number for e in route.extensions) if route.extensions else "Unrouted"
    rule = f" by rule “{route.rule.name}”" if route.rule else ""
    return f"Inbound message {message.pk} from {caller} to {our_number}: {where}{rule}.{keyword_note}"


def _create_inbound(payload: dict, configuration, our_number: str, caller: str) -> Message:
    text = str(payload.get("text") or "")
    to_numbers = [str(n) for n in payload.get("to") or [] if isinstance(n, str)] or [our_number]
    segments = payload.get("segmentCount")
    message = Message.objects.create(
        direction=Message.Direction.INBOUND, status=Message.Status.RECEIVED, sms_configuration=configuration,
        from_number=caller[:16], to_numbers=[n[:16] for n in to_numbers], text=text,
        segments=segments if isinstance(segments, int) and segments >= 0 else count_segments(text).segments,
        provider_message_id=str(payload.get("id", ""))[:64],
    )
    media_urls = [url for url in payload.get("media") or [] if isinstance(url, str)]
    MessageMedia.objects.bulk_create(
        [MessageMedia(message=message, position=i, source_url=url[:500]) for i, url in enumerate(media_urls)]
    )
    dispatch.on_commit_each("messaging.download_media", list(message.media.values_list("pk", flat=True)))
    return message


def _apply_keyword(message: Message, *, our_number: str, caller: str) -> str:
    word = "".join(ch for ch in message.text.strip().upper() if ch.isalnum())
    if word in OPT_OUT_KEYWORDS:
        OptOut.objects.get_or_create(number=our_number, remote_number=caller, defaults={"keyword": word})
        note = f" {caller} opted out of {our_number} ({word}): sends to it are refused."
    elif word in OPT_IN_KEYWORDS:
        OptOut.objects.filter(number=our_number, remote_number=caller).delete()
        note = f" {caller} opted back in to {our_number} ({word})."
    elif word in HELP_KEYWORDS:
        note = f" {caller} asked for HELP."
    else:
        return ""
    message.keyword = word
    message.save(update_fields=["keyword"])
    return note


def _first(values) -> str:
    return values[0] if isinstance(values, list) and values and isinstance(values[0], str) else ""
