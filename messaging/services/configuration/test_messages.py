"""Send test message: one SMS through the normal outbound path, and a report of each step it reached.

`start_test_message` stores an ordinary outbound message (outbound.compose.store_queued_message: queued, sent
by the deliver task, in Messages and its conversation like any other) and a ConnectionTest naming it.
`report_test_message` reads the steps from what the portal already keeps, so no hot path changes for tests:

1. accepted: the message has Bandwidth's id (`sent_at`); refused by Bandwidth (or unsendable): failed;
2. sending: a `message-sending` callback for that id; Bandwidth sends none for a plain SMS (only for MMS
   and group messages, docs/bandwidth-api.md), so for a test message its absence is not waited for;
3. delivered or failed: the message's receipt, a failure in plain words (the error-code table);
4. inbound received, when `to` is one of the tenant's numbers: an inbound message from the test's
   from-number to its to-number stored after the test started.

A step waiting longer than STEP_WAIT_LIMIT says what to check. A test is running until it has passed or
failed, or until GIVE_UP_AFTER; one test at a time per configuration, at most MAX_TESTS_PER_HOUR an hour,
so the button cannot be used to spam.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from messaging.exceptions import MessageInvalid, TestMessageRefused
from messaging.models import ConnectionTest, Message, PhoneNumber, SmsConfiguration, WebhookEvent
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.outbound import compose, routing

STEP_WAIT_LIMIT = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(minutes=2)
MAX_TESTS_PER_HOUR = 10
CHECK_CALLBACKS = ("check the Callback URL and the callback credentials of the messaging application at "
                   "Bandwidth (they must be this configuration's webhook URL and credentials), or use Connect "
                   "to Bandwidth")
Status = Message.Status


@dataclass(frozen=True)
class Step:
    key: str  # accepted, sending, delivered, inbound
    title: str
    state: str  # done, failed, waiting, skipped
    at: datetime | None = None
    detail: str = ""
    advice: str = ""


@dataclass(frozen=True)
class ConnectionTestReport:
    test: ConnectionTest
    state: str  # running, passed, failed, no_answer
    summary: str
    steps: list[Step]

    @property
    def over(self) -> bool:
        return self.state != "running"

    def as_dict(self) -> dict:
        """The report as the API and the screen's polling answer it (times in ISO 8601)."""
        test = self.test
        return {
            "id": test.pk, "configuration": test.configuration_id, "message": test.message_id,
            "from_number": test.from_number, "to": test.to, "started_at": _iso(test.started_at),
            "finished_at": _iso(test.finished_at), "inbound_message": test.inbound_message_id,
            "state": self.state, "summary": self.summary,
            "steps": [{"key": step.key, "title": step.title, "state": step.state, "at": _iso(step.at),
                       "detail": step.detail, "advice": step.advice} for step in self.steps],
        }


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def default_text() -> str:
    tenant = getattr(connection, "tenant", None)
    name = getattr(tenant, "name", "")
    return f"Test message from PBX portal ({name})" if name else "Test message from PBX portal"


def list_sender_numbers(configuration: SmsConfiguration) -> list[str]:
    """The numbers a test of this configuration may send from: its trunk's DIDs."""
    return list(PhoneNumber.objects.filter(trunk_id=configuration.trunk_id).order_by("number")
                .values_list("number", flat=True))


def list_tenant_numbers() -> list[str]:
    """Every DID of the tenant: a test to one of them also waits for the inbound message."""
    return list(PhoneNumber.objects.order_by("number").values_list("number", flat=True))


def start_test_message(*, configuration: SmsConfiguration, from_number: str, to: str, text: str = "",
                       user=None) -> ConnectionTest:
    """Queue a test message from `from_number` (a DID of the configuration's trunk) to `to` through the normal
    outbound path, and record the test.

    Raises MessageInvalid (a sender not on the trunk, a bad or identical `to`, a bad text), SendRefused (the
    configuration cannot send, `to` opted out, an unregistered 10DLC sender the tenant refuses) and
    TestMessageRefused (a test of this configuration is still running, or MAX_TESTS_PER_HOUR were started in
    the last hour). Nothing is stored when it raises.
    """
    text = text if text and text.strip() else default_text()
    compose.check_text(text, has_media=False)
    if from_number not in list_sender_numbers(configuration):
        raise MessageInvalid(f"Choose one of the numbers of trunk {configuration.trunk.name} to send from.",
                             field="from_number")
    try:
        to = to_e164(to)
    except InvalidNumber as exc:
        raise MessageInvalid(str(exc), field="to") from exc
    if to == from_number:
        raise MessageInvalid("Send the test to another number than the one it is sent from.", field="to")
    routing.check_configuration_sends(configuration)
    warnings = compose.check_sender(from_number=from_number, to=[to])
    with transaction.atomic():
        # One start at a time per configuration: the running test and the hourly count are read under this lock.
        SmsConfiguration.objects.select_for_update().filter(pk=configuration.pk).first()
        _check_limits(configuration)
        message = compose.store_queued_message(configuration=configuration, from_number=from_number, to=[to],
                                               text=text, warnings=warnings)
        return ConnectionTest.objects.create(configuration=configuration, message=message,
                                             from_number=from_number, to=to, started_by=user)


def _check_limits(configuration: SmsConfiguration) -> None:
    now = timezone.now()
    recent = ConnectionTest.objects.filter(configuration=configuration, started_at__gt=now - timedelta(hours=1))
    unfinished = recent.filter(finished_at__isnull=True, started_at__gt=now - GIVE_UP_AFTER).first()
    if unfinished is not None and not report_test_message(test=unfinished).over:
        raise TestMessageRefused(
            f"A test message of {configuration.name} is still running (started "
            f"{timezone.localtime(unfinished.started_at):%H:%M:%S}): wait for its result, at most "
            f"{GIVE_UP_AFTER.seconds // 60} minutes.", code="test_running")
    if recent.count() >= MAX_TESTS_PER_HOUR:
        raise TestMessageRefused(
            f"{MAX_TESTS_PER_HOUR} test messages of {configuration.name} were sent in the last hour, the most "
            "allowed: try again later.", code="too_many_tests")


def get_test(*, configuration: SmsConfiguration, test_id: int) -> ConnectionTest:
    """The test of this configuration; ConnectionTest.DoesNotExist otherwise."""
    return ConnectionTest.objects.get(configuration=configuration, pk=test_id)


def report_test_message(*, test: ConnectionTest) -> ConnectionTestReport:
    """Each step of the test with its time or what it waits for, and the test's state: running, passed,
    failed or no_answer (nothing settled within GIVE_UP_AFTER; a late answer still shows on the next report).

    Guarantees: once the test has passed or failed, `finished_at` (and the inbound message found) is
    recorded, once, so a report after that reads the same."""
    now = timezone.now()
    message = Message.objects.get(pk=test.message_id)
    inbound = _inbound_message(test)
    expects_inbound = PhoneNumber.objects.filter(number=test.to).exists()
    steps = [_accepted(message, test, now), _sending(message), _settled(message, test, now),
             _inbound(message, test, inbound, expects_inbound, now)]
    state, summary = _outcome(steps, test, now)
    if state in ("passed", "failed") and test.finished_at is None:
        finished_at = max((step.at for step in steps if step.at), default=now)
        ConnectionTest.objects.filter(pk=test.pk, finished_at__isnull=True).update(
            finished_at=finished_at, inbound_message=inbound)
        test.finished_at, test.inbound_message = finished_at, inbound
    elif inbound is not None and test.inbound_message_id is None:
        ConnectionTest.objects.filter(pk=test.pk, inbound_message__isnull=True).update(inbound_message=inbound)
        test.inbound_message = inbound
    return ConnectionTestReport(test=test, state=state, summary=summary, steps=steps)


def _inbound_message(test: ConnectionTest) -> Message | None:
    if test.inbound_message_id:
        return Message.objects.filter(pk=test.inbound_message_id).first()
    return (Message.objects.filter(direction=Message.Direction.INBOUND, from_number=test.from_number,
                                   to_numbers__contains=[test.to], created_at__gte=test.started_at)
            .order_by("created_at", "id").first())


def _waited_too_long(since: datetime | None, now: datetime) -> bool:
    return since is not None and now - since > STEP_WAIT_LIMIT


def _accepted(message: Message, test: ConnectionTest, now: datetime) -> Step:
    title = "Accepted by Bandwidth"
    if message.provider_message_id:
        return Step("accepted", title, "done", message.sent_at,
                    f"Bandwidth's message id {message.provider_message_id}.")
    if message.status == Status.FAILED:
        return Step("accepted", title, "failed", message.failed_at,
                    message.error_description or "Bandwidth did not take the message.")
    detail = message.error_description or "Waiting for the portal's worker to hand the message to Bandwidth."
    advice = ""
    if _waited_too_long(test.started_at, now):
        advice = ("Not handed to Bandwidth within 60 s: check that the Celery workers are running (/healthz) "
                  "and that Bandwidth is reachable; the message waits in Messages.")
    return Step("accepted", title, "waiting", None, detail, advice)


def _sending(message: Message) -> Step:
    title = "Sending (message-sending callback)"
    if message.provider_message_id:
        event = (WebhookEvent.objects.filter(event_type="message-sending",
                                             carrier_message_id=message.provider_message_id)
                 .order_by("received_at").first())
        if event is not None:
            return Step("sending", title, "done", event.received_at, "Bandwidth is sending it to the carrier.")
    return Step("sending", title, "skipped", None,
                "Not sent for SMS: Bandwidth sends message-sending for MMS and group messages only; a test "
                "message is a plain SMS, which goes from accepted to delivered or failed.")


def _settled(message: Message, test: ConnectionTest, now: datetime) -> Step:
    title = "Delivered or failed (delivery receipt)"
    if message.status == Status.DELIVERED:
        return Step("delivered", "Delivered", "done", message.delivered_at, "The carrier delivered it to the handset.")
    if message.status == Status.FAILED and message.provider_message_id:
        code = f" (error {message.error_code})" if message.error_code else ""
        return Step("delivered", "Failed", "failed", message.failed_at,
                    f"{message.error_description or 'Bandwidth reported a failure.'}{code}")
    if message.status == Status.FAILED:
        return Step("delivered", title, "skipped", None, "Not reached: Bandwidth did not take the message.")
    if not message.provider_message_id:
        return Step("delivered", title, "waiting", None, "Waits for Bandwidth to accept the message.")
    advice = ""
    if _waited_too_long(message.sent_at, now):
        advice = f"No callback within 60 s: {CHECK_CALLBACKS}. {_last_callback(test)}"
    return Step("delivered", title, "waiting", None, "Waiting for Bandwidth's delivery receipt (a callback).",
                advice)


def _last_callback(test: ConnectionTest) -> str:
    last = (WebhookEvent.objects.filter(configuration_id=test.configuration_id).order_by("-received_at")
            .values_list("received_at", flat=True).first())
    if last is None:
        return "No callback has ever reached this configuration."
    if last < test.started_at:
        return (f"No callback has reached this configuration since the test started (the last one: "
                f"{timezone.localtime(last):%Y-%m-%d %H:%M:%S %Z}).")
    return "Other callbacks did reach this configuration since the test started."


def _inbound(message: Message, test: ConnectionTest, inbound: Message | None, expects: bool, now: datetime) -> Step:
    title = "Inbound received"
    if inbound is not None:
        return Step("inbound", title, "done", inbound.created_at,
                    f"{test.to} received it from {test.from_number}: the inbound callback works.")
    if not expects:
        return Step("inbound", title, "skipped", None,
                    f"Not checked: {test.to} is not one of this tenant's numbers.")
    if message.status == Status.FAILED:
        return Step("inbound", title, "skipped", None, "Not reached: the message was not delivered.")
    since = message.delivered_at or message.sent_at
    advice = ""
    if _waited_too_long(since, now):
        advice = (f"No inbound message within 60 s: {test.to} should have received it. Check that the messaging "
                  f"application of {test.to} at Bandwidth sends inbound callbacks to a webhook URL of this portal "
                  "(with its callback credentials), or use Connect to Bandwidth on that number's configuration.")
    return Step("inbound", title, "waiting", None, f"Waiting for {test.to} to receive it (message-received).", advice)


def _outcome(steps: list[Step], test: ConnectionTest, now: datetime) -> tuple[str, str]:
    failed = next((step for step in steps if step.state == "failed"), None)
    if failed is not None:
        return "failed", f"Failed at “{failed.title}”: {failed.detail}"
    waiting = [step for step in steps if step.state == "waiting"]
    if not waiting:
        return "passed", "Every step went through: sending and callbacks work."
    if now - test.started_at <= GIVE_UP_AFTER:
        return "running", f"Waiting: {waiting[0].title}."
    return "no_answer", (f"No answer within {GIVE_UP_AFTER.seconds // 60} minutes at “{waiting[0].title}”: see "
                         "what to check below. A late answer still shows here; you may start another test.")
