"""deliver_message (service and task): the exact request, Bandwidth's answers, retries, and at-most-once."""

import base64
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from responses import matchers

from messaging import tasks
from messaging.exceptions import TransientSendError
from messaging.models import Message, MessageMedia, OptOut, SmsConfiguration
from messaging.services.outbound import deliver, rate_limit
from messaging.services.outbound.compose import queue_message
from messaging.services.outbound.deliver import deliver_message
from portal.celery import app
from tests.messaging.factories import (
    ACCOUNT,
    APPLICATION_ID,
    DID,
    RECIPIENT,
    SEND_URL,
    accepted,
    api_url,
    make_message,
    posted,
)
from tests.worker import running_worker

# No module-wide django_db mark: `acme` brings the test transaction, `committed_acme` commits instead.


def reload(message) -> Message:
    return Message.objects.get(pk=message.pk)


def send_calls(bandwidth) -> list:
    return [call for call in bandwidth.calls if call.request.url == SEND_URL and call.request.method == "POST"]


def token_calls(bandwidth) -> list:
    return [call for call in bandwidth.calls if call.request.url == settings.BANDWIDTH_OAUTH_TOKEN_URL]


def test_posts_the_exact_request_with_a_bearer_token(acme, bandwidth):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    message = make_message(acme, to_numbers=[RECIPIENT, "+19195550198"], text="Hello ✓")
    deliver_message(message_id=message.pk)

    token_request = token_calls(bandwidth)[0].request
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"client-id-123:s3cret-Client-Secret-value-42").decode()
    assert parse_qs(token_request.body) == {"grant_type": ["client_credentials"]}
    (call,) = send_calls(bandwidth)
    assert call.request.url == f"https://messaging.bandwidth.com/api/v2/users/{ACCOUNT}/messages"
    assert call.request.headers["Authorization"] == "Bearer token-1"
    assert call.request.headers["Content-Type"] == "application/json"
    assert posted(call) == {
        "applicationId": APPLICATION_ID, "to": [RECIPIENT, "+19195550198"], "from": DID, "text": "Hello ✓",
        "tag": str(message.uid),
    }


def test_legacy_credentials_send_basic_auth_and_ask_for_no_token(acme, bandwidth):
    SmsConfiguration.objects.filter(pk=acme.configuration.pk).update(auth_type="legacy")
    bandwidth.post(SEND_URL, status=202, json=accepted())
    deliver_message(message_id=make_message(acme).pk)
    (call,) = send_calls(bandwidth)
    assert call.request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"client-id-123:s3cret-Client-Secret-value-42").decode()
    assert token_calls(bandwidth) == []


def test_one_token_serves_many_sends(acme, bandwidth):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    for _ in range(3):
        deliver_message(message_id=make_message(acme).pk)
    assert len(send_calls(bandwidth)) == 3
    assert len(token_calls(bandwidth)) == 1


def test_202_marks_the_message_sent_with_bandwidths_id(acme, bandwidth):
    bandwidth.post(SEND_URL, status=202, json=accepted(segmentCount=2))
    message = make_message(acme, error_description="Attempt 1 did not go through")
    deliver_message(message_id=message.pk)
    message = reload(message)
    assert (message.status, message.provider_message_id, message.segments, message.attempts) == (
        "sent", "1589228074636lm4k2je7j7jklbn2", 2, 1)
    assert message.sent_at is not None and message.error_description == ""
    assert message.claimed_at is not None and message.next_attempt_at is None


@pytest.mark.parametrize("status, body, expected", [
    (400, {"type": "request-validation", "description": "Your request could not be accepted",
           "fieldErrors": [{"fieldName": "to", "description": "'+1999' is not a valid number"}]},
     "Bandwidth refused the request: Your request could not be accepted. to: '+1999' is not a valid number. "
     "(HTTP 400, request-validation)"),
    (403, {"type": "forbidden", "description": "Access is denied"},
     "not allowed to do this on this Bandwidth account"),
])
def test_4xx_fails_at_once_with_bandwidths_reason(acme, bandwidth, status, body, expected):
    bandwidth.post(SEND_URL, status=status, json=body)
    message = make_message(acme)
    deliver_message(message_id=message.pk)
    message = reload(message)
    assert message.status == "failed" and message.failed_at is not None
    assert expected in message.error_description
    assert body["description"] in message.error_description
    assert len(send_calls(bandwidth)) == 1


def test_401_fetches_one_fresh_token_then_fails_with_reason(acme, bandwidth):
    bandwidth.post(SEND_URL, status=401, json={"type": "unauthorized", "description": "Bad token"})
    message = make_message(acme)
    deliver_message(message_id=message.pk)
    message = reload(message)
    assert message.status == "failed"
    assert "refused it for this account" in message.error_description
    assert len(send_calls(bandwidth)) == 2 and len(token_calls(bandwidth)) == 2


def test_429_goes_back_to_queued_honouring_retry_after(acme, bandwidth):
    bandwidth.post(SEND_URL, status=429, json={"type": "too-many"}, headers={"Retry-After": "30"})
    message = make_message(acme)
    with pytest.raises(TransientSendError) as transient:
        deliver_message(message_id=message.pk)
    assert 30 <= transient.value.retry_after <= 31
    message = reload(message)
    assert (message.status, message.attempts, message.claimed_at) == ("queued", 1, None)
    assert timedelta(seconds=29) < message.next_attempt_at - timezone.now() <= timedelta(seconds=31)
    assert "Attempt 1 did not go through" in message.error_description
    # The sender number is paused for everyone, not only for this message.
    assert rate_limit.reserve(DID, rate=100, max_ahead=60).wait > 28


@pytest.mark.parametrize("failure", [
    {"status": 503, "json": {"type": "unavailable"}},
    {"status": 429, "json": {"type": "too-many"}},
    {"body": requests.exceptions.ConnectTimeout("connect timed out")},
])
def test_transient_failures_are_retried_by_the_task_then_succeed(acme, bandwidth, eager, failure, monkeypatch):
    monkeypatch.setattr(deliver, "BACKOFF_BASE", 0.01)
    bandwidth.post(SEND_URL, **failure)
    bandwidth.post(SEND_URL, status=202, json=accepted())
    message = make_message(acme)
    tasks.deliver_message.apply(args=[message.pk])
    message = reload(message)
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(send_calls(bandwidth)) == 2


def test_backoff_grows_exponentially_with_jitter():
    from messaging.services.outbound.deliver import retry_delay

    for attempt, ceiling in [(1, 2), (2, 4), (5, 32), (20, 600)]:
        delays = {retry_delay(attempt, None) for _ in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1
    assert 7 <= retry_delay(3, 7.0) <= 8


def test_5xx_fails_after_the_retry_limit_with_the_reason(acme, bandwidth, eager, settings, monkeypatch):
    settings.SMS_SEND_MAX_RETRIES = 2
    # Eager retries run at once; keep the backoff short so no retry looks "early".
    monkeypatch.setattr(deliver, "BACKOFF_BASE", 0.01)
    bandwidth.post(SEND_URL, status=503, json={"type": "unavailable", "description": "Try later"})
    message = make_message(acme)
    tasks.deliver_message.apply(args=[message.pk])
    message = reload(message)
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.error_description.startswith("Bandwidth could not take the message after 3 attempts.")
    assert "Try later" in message.error_description
    assert len(send_calls(bandwidth)) == 3


def test_running_the_task_twice_posts_once(acme, bandwidth, eager):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    message = make_message(acme)
    tasks.deliver_message.apply(args=[message.pk])
    tasks.deliver_message.apply(args=[message.pk])
    assert len(send_calls(bandwidth)) == 1
    assert reload(message).attempts == 1


def test_a_copy_that_finds_the_message_claimed_does_nothing(acme, bandwidth):
    message = make_message(acme, status="sending", claimed_at=timezone.now())
    deliver_message(message_id=message.pk)
    assert send_calls(bandwidth) == []
    assert reload(message).status == "sending"


def test_read_timeout_is_unknown_and_reconciled_not_reposted(acme, bandwidth, django_capture_on_commit_callbacks):
    bandwidth.post(SEND_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    message = make_message(acme)
    with django_capture_on_commit_callbacks() as callbacks:
        deliver_message(message_id=message.pk)
        deliver_message(message_id=message.pk)
    message = reload(message)
    assert message.status == "unknown" and message.get_status_display() == "Checking with Bandwidth"
    assert "not known whether Bandwidth took the message" in message.error_description
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert len(send_calls(bandwidth)) == 1
    assert len(callbacks) == 1  # reconcile_message, after a delay


def test_mms_uploads_the_file_then_sends_its_url(acme, bandwidth, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message = make_message(acme, text="")
    stored = MessageMedia(message=message, position=0, content_type="image/png", size=4)
    stored.file.save("dot.png", ContentFile(b"\x89PNG"))
    MessageMedia.objects.create(message=message, position=1, source_url="https://cdn.example.com/cat.gif",
                                state=MessageMedia.State.UPLOADED)
    media_url = api_url(f"/media/{message.uid}-0-{stored.file.name.rsplit('/', 1)[-1]}")
    upload = bandwidth.put(media_url, status=204, match=[matchers.header_matcher({"Content-Type": "image/png"})])
    bandwidth.post(SEND_URL, status=202, json=accepted())

    deliver_message(message_id=message.pk)

    assert upload.calls[0].request.body == b"\x89PNG"
    assert upload.calls[0].request.headers["Authorization"] == "Bearer token-1"
    (call,) = send_calls(bandwidth)
    assert posted(call)["media"] == [media_url, "https://cdn.example.com/cat.gif"]
    assert "text" not in posted(call)
    assert bandwidth.calls.index(upload.calls[0]) < bandwidth.calls.index(call)
    stored.refresh_from_db()
    assert (stored.state, stored.source_url) == (MessageMedia.State.UPLOADED, media_url)
    assert reload(message).status == "sent"


def test_upload_refused_fails_the_message_without_sending(acme, bandwidth, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message = make_message(acme)
    stored = MessageMedia(message=message, position=0, content_type="image/png", size=4)
    stored.file.save("dot.png", ContentFile(b"\x89PNG"))
    bandwidth.put(api_url(f"/media/{message.uid}-0-{stored.file.name.rsplit('/', 1)[-1]}"), status=415,
                  json={"type": "unsupported-media-type", "description": "Media type not supported"})
    deliver_message(message_id=message.pk)
    message = reload(message)
    assert message.status == "failed" and "Media type not supported" in message.error_description
    assert send_calls(bandwidth) == []


def test_configuration_disabled_after_queueing_fails_without_sending(acme, bandwidth):
    SmsConfiguration.objects.filter(pk=acme.configuration.pk).update(enabled=False)
    message = make_message(acme)
    deliver_message(message_id=message.pk)
    message = reload(message)
    assert (message.status, message.error_description) == (
        "failed", "SMS configuration Main SMS is disabled: it sends nothing.")
    assert len(bandwidth.calls) == 0


def test_recipient_who_opted_out_after_queueing_is_not_sent_to(acme, bandwidth):
    message = make_message(acme)
    OptOut.objects.create(number=DID, remote_number=RECIPIENT, keyword="STOP")
    deliver_message(message_id=message.pk)
    message = reload(message)
    assert message.status == "failed" and "opted out" in message.error_description
    assert len(bandwidth.calls) == 0


def test_an_early_copy_leaves_a_message_not_yet_due(acme, bandwidth):
    message = make_message(acme, next_attempt_at=timezone.now() + timedelta(minutes=5))
    deliver_message(message_id=message.pk)
    assert reload(message).status == "queued" and len(bandwidth.calls) == 0


def test_two_copies_at_the_same_moment_post_once(committed_acme, bandwidth):
    with tenant_context(committed_acme.tenant):
        message = make_message(committed_acme)

    def slow_accept(request):
        time.sleep(0.5)
        return 202, {}, json.dumps(accepted())

    bandwidth.add_callback("POST", SEND_URL, callback=slow_accept)
    errors = []

    def copy():
        try:
            with tenant_context(committed_acme.tenant):
                deliver_message(message_id=message.pk)
        except BaseException as exc:  # reported below: an exception in a thread cannot fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=copy) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(send_calls(bandwidth)) == 1
    with tenant_context(committed_acme.tenant):
        assert Message.objects.get(pk=message.pk).status == "sent"


class FakeBandwidth(BaseHTTPRequestHandler):
    """Just enough of Bandwidth for a worker process: a token, and 202 for every send (recorded)."""

    sends: list = []

    def do_POST(self):  # http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/token":
            self._answer(200, {"access_token": "worker-token", "token_type": "Bearer", "expires_in": 3600})
        elif self.path == f"/api/v2/users/{ACCOUNT}/messages":
            FakeBandwidth.sends.append((self.headers.get("Authorization"), json.loads(body)))
            time.sleep(0.3)  # long enough for a second copy to arrive while the first is posting
            self._answer(202, accepted(f"bw-{len(FakeBandwidth.sends)}"))
        else:
            self._answer(404, {"type": "not-found"})

    def _answer(self, status, data):
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_bandwidth(monkeypatch):
    FakeBandwidth.sends = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBandwidth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("BANDWIDTH_MESSAGING_API_URL", f"{base}/api/v2")
    monkeypatch.setenv("BANDWIDTH_OAUTH_TOKEN_URL", f"{base}/token")
    yield FakeBandwidth
    server.shutdown()
    server.server_close()


@pytest.mark.worker
def test_a_real_worker_sends_a_queued_message_once_even_with_duplicate_tasks(committed_acme, fake_bandwidth):
    with running_worker(concurrency=2) as queue:
        app.conf.update(task_routes={"messaging.*": {"queue": queue}})
        try:
            with tenant_context(committed_acme.tenant):
                message = queue_message(extension=committed_acme.ext.sales, to=[RECIPIENT], text="From a worker")
                for _ in range(2):  # a redelivery and a sweeper copy, at the same moment
                    tasks.deliver_message.apply_async((message.pk,))
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    message.refresh_from_db()
                    if message.status == "sent":
                        break
                    time.sleep(0.2)
                time.sleep(1)  # give a wrong second post the time to happen
                message.refresh_from_db()
        finally:
            app.conf.update(task_routes=None)
    assert (message.status, message.provider_message_id, message.attempts) == ("sent", "bw-1", 1)
    assert len(fake_bandwidth.sends) == 1
    authorization, body = fake_bandwidth.sends[0]
    assert authorization == "Bearer worker-token"
    assert body == {"applicationId": APPLICATION_ID, "to": [RECIPIENT], "from": DID, "text": "From a worker",
                    "tag": str(message.uid)}
