"""Processing stored callbacks: inbound messages, their routing, opt-outs and delivery receipts."""

import logging

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from messaging import dispatch
from messaging import metrics as message_metrics
from messaging.bandwidth.segments import count_segments
from messaging.exceptions import CallbackNotRetryable
from messaging.models import Message, MessageMedia, SmsConfiguration, WebhookEvent
from messaging.services.conversations import notifications, threads
from messaging.services.inbound import keywords, payload
from messaging.services.inbound.routing import inbound_route
from messaging.services.outbound.status import EVENT_STATUS, apply_delivery_event

logger = logging.getLogger(__name__)

WAITING_NOTE = "Waiting: the SMS configuration is disabled; processed once it is enabled."
INBOUND_UNIQUE = "message_inbound_carrier_id_unique"


def process_callback(*, event_id: int) -> None:
    """Apply one stored callback. Processing it twice has the effect of processing it once: the event row
    is locked, and an event already done with is left alone. Events of a disabled configuration wait.

    The attempt is counted in its own transaction before processing, so a crash, even one that kills the
    worker, still counts. An exception from processing (a bug, a payload nobody foresaw) is logged and
    written in words on the event, never raised: after WEBHOOK_MAX_ATTEMPTS the event is `failed` and
    waits for Retry. Lost connections to the database are raised (the sweeper tries again later).

    The inbox's drain (inbox.py) is the usual way in; this is its one-event path.
    """
    attempt = _count_attempt(event_id)
    if attempt is None:
        return
    process_attempt(event_id=event_id, attempt=attempt)


def process_attempt(*, event_id: int, attempt: int) -> None:
    """Attempt number `attempt` (already counted and committed) at one event, in its own transaction; a crash
    is written on the event, and the attempt past WEBHOOK_MAX_ATTEMPTS fails it (see process_callback)."""
    limit = settings.WEBHOOK_MAX_ATTEMPTS
    if attempt > limit:
        _give_up(event_id, f"Failed: processing stopped {attempt - 1} times without finishing "
                           "(the worker died or was stopped). Retry once the cause is fixed.")
        return
    try:
        with transaction.atomic():
            _process(event_id)
    except (OperationalError, InterfaceError):
        raise  # the database went away: nothing is wrong with the event
    except Exception as exc:  # noqa: BLE001 - any crash is recorded on the event, then bounded
        logger.exception("processing webhook event %s failed (attempt %s of %s)", event_id, attempt, limit)
        words = _in_words(exc)
        if attempt >= limit:
            _give_up(event_id, f"Failed after {attempt} attempts: {words}. Retry once the cause is fixed.")
        else:
            WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
                note=f"Attempt {attempt} of {limit} failed: {words}. Tried again within a few minutes.")


def retry_callback(*, event_id: int) -> WebhookEvent:
    """Make a failed event pending again, with its attempts reset, and queue its processing after commit.

    Raises CallbackNotRetryable when the event is not failed (processed, ignored or still pending).
    Raises WebhookEvent.DoesNotExist for an unknown id.
    """
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.state != WebhookEvent.State.FAILED:
            raise CallbackNotRetryable(
                f"Only a failed callback can be retried; this one is {event.get_state_display().lower()}.")
        event.state, event.attempts, event.processed_at, event.claimed_at = WebhookEvent.State.PENDING, 0, None, None
        event.note = f"Retried after: {event.note}"[:2000]
        event.save(update_fields=["state", "attempts", "processed_at", "claimed_at", "note"])
        dispatch.on_commit("messaging.drain_inbox")
    return event


def queue_waiting_callbacks(*, configuration_id: int) -> int:
    """Queue a drain of the inbox for the callbacks a disabled configuration kept waiting; return how many
    are waiting."""
    waiting = WebhookEvent.objects.filter(configuration_id=configuration_id, processed_at__isnull=True).count()
    if waiting:
        dispatch.on_commit("messaging.drain_inbox")
    return waiting


def _count_attempt(event_id: int) -> int | None:
    """This try's number, committed; None when there is nothing to do (done, gone, or its
    configuration disabled: then it waits, noted, and is not counted)."""
    with transaction.atomic():
        event = WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).values(
            "configuration_id").first()
        if event is None:
            return None
        if SmsConfiguration.objects.filter(pk=event["configuration_id"], enabled=False).exists():
            WebhookEvent.objects.filter(pk=event_id).update(note=WAITING_NOTE)
            return None
        counted = (
            WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True)
            .update(attempts=F("attempts") + 1)
        )
        if not counted:
            return None
        return WebhookEvent.objects.filter(pk=event_id).values_list("attempts", flat=True).first()


def _process(event_id: int) -> None:
    event = WebhookEvent.objects.select_for_update().filter(pk=event_id, processed_at__isnull=True).first()
    if event is None:
        return  # another copy of the task finished it while this one waited for the lock
    configuration = (
        SmsConfiguration.objects.filter(pk=event.configuration_id).only("id", "enabled", "trunk_id").first()
    )
    state, note = handle_event(event, configuration)
    if state is None:
        event.note = note
        event.save(update_fields=["note"])
    else:
        _finish(event, state, note)


def handle_event(event: WebhookEvent, configuration: SmsConfiguration | None) -> tuple[str | None, str]:
    """Apply a locked, pending event: (the state it ends in, its note); state None: it waits (its
    configuration is disabled). Must run inside a transaction."""
    if configuration is None:
        return WebhookEvent.State.IGNORED, "The SMS configuration was deleted."
    if not configuration.enabled:
        return None, WAITING_NOTE
    if event.event_type == "message-received":
        return WebhookEvent.State.PROCESSED, receive_message(event=event, configuration=configuration)
    if event.event_type in EVENT_STATUS:
        return WebhookEvent.State.PROCESSED, _apply_receipt(event)
    return WebhookEvent.State.IGNORED, f"Unknown event type “{event.event_type}”: stored only."


def _finish(event: WebhookEvent, state: str, note: str) -> None:
    event.state, event.note, event.processed_at = state, note, timezone.now()
    event.save(update_fields=["state", "note", "processed_at"])


def _give_up(event_id: int, note: str) -> None:
    if WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            state=WebhookEvent.State.FAILED, note=note, processed_at=timezone.now()):
        message_metrics.callback_failed()


def _in_words(exc: Exception) -> str:
    text = f"{exc.__class__.__name__}: {exc}".strip().rstrip(":.")
    # The note is stored as text: no NUL, no lone surrogate, one line, bounded.
    text = " ".join(text.replace("\x00", " ").split())
    return text.encode("utf-8", "replace").decode("utf-8")[:500]


def _apply_receipt(event: WebhookEvent) -> str:
    """A delivery receipt, with the fields it uses checked first (payload.read_error)."""
    message, error = payload.read_message(event.payload), payload.read_error(event.payload)
    # `to` names the recipient the receipt is about (one receipt per recipient of a group message).
    checked = {"type": event.event_type, "message": {"id": message.carrier_id, "tag": message.tag},
               "errorCode": error.code, "description": error.description, "to": event.recipient}
    note = apply_delivery_event(event=checked)
    if error.raw_code:
        note += f" Bandwidth's error code “{error.raw_code}” is not a code the portal knows: kept here only."
    return note


def receive_message(*, event: WebhookEvent, configuration: SmsConfiguration) -> str:
    """Store an inbound message once (a group message stays one message, whatever the order and timing of
    its events: the carrier id is unique among inbound messages), route it, note opt-outs, and queue its
    media downloads. Must run inside a transaction: the message row stays locked until it commits."""
    incoming = payload.read_message(event.payload)
    our_number = event.recipient or (incoming.to[0] if incoming.to else "")
    caller = incoming.sender
    message, created = _store_inbound(incoming, configuration, our_number)
    message_metrics.message_status("received", direction="in", amount=int(created))
    route = inbound_route(trunk_id=configuration.trunk_id, did=our_number, caller=caller)
    if route.extensions:
        message.routed_to.add(*route.extensions)
    message.unrouted = not message.routed_to.exists()
    message.save(update_fields=["unrouted"])
    threads.join_conversation(message, extensions=route.extensions, received_on=our_number)
    if route.extensions and notifications.anyone_owed(message):
        # Also for the second event of a group message, which may route it to more extensions: the task
        # mails each user at most once per message.
        dispatch.on_commit("messaging.notify_inbound", message.pk)
    keyword_note = _apply_keyword(message, our_number=our_number, caller=caller) if created else ""
    where = ", ".join(e.number for e in route.extensions) if route.extensions else "Unrouted"
    rule = f" by rule “{route.rule.name}”" if route.rule else ""
    return f"Inbound message {message.pk} from {caller} to {our_number}: {where}{rule}.{keyword_note}"


def _store_inbound(incoming: payload.CallbackMessage, configuration, our_number: str) -> tuple[Message, bool]:
    """(the message, whether it was made now). The second event of a group message, processed at the same
    time as the first, waits at the insert for the first to commit, then takes the stored row."""
    if not incoming.carrier_id:
        return _create_inbound(incoming, configuration, our_number), True
    existing = _locked_inbound(incoming.carrier_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():  # a savepoint: losing the race rolls back only this insert
            return _create_inbound(incoming, configuration, our_number), True
    except IntegrityError as exc:
        if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != INBOUND_UNIQUE:
            raise
    return _locked_inbound(incoming.carrier_id), False


def _locked_inbound(carrier_id: str) -> Message | None:
    return (
        Message.objects.select_for_update()
        .filter(direction=Message.Direction.INBOUND, provider_message_id=carrier_id).first()
    )


def _create_inbound(incoming: payload.CallbackMessage, configuration, our_number: str) -> Message:
    to_numbers = incoming.to or [our_number]
    segments = incoming.segments
    if segments is None:
        segments = min(count_segments(incoming.text).segments, payload.SMALLINT_MAX)
    message = Message.objects.create(
        direction=Message.Direction.INBOUND, status=Message.Status.RECEIVED, sms_configuration=configuration,
        from_number=incoming.sender[:16], to_numbers=[n[:16] for n in to_numbers], text=incoming.text,
        segments=segments, provider_message_id=incoming.carrier_id,
    )
    MessageMedia.objects.bulk_create(
        [MessageMedia(message=message, position=i, source_url=url) for i, url in enumerate(incoming.media)]
    )
    dispatch.on_commit_each("messaging.download_media", list(message.media.values_list("pk", flat=True)))
    return message


def _apply_keyword(message: Message, *, our_number: str, caller: str) -> str:
    return keywords.apply_keyword(message, our_number=our_number, caller=caller)
