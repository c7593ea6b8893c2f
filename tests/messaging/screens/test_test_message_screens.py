"""Send test message on the SMS configuration's page, its step report and the report's JSON (polled by
static/js/test_message.js): what the admin sees, odd inputs, and 404 for anyone else."""

import threading
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from messaging.models import ConnectionTest, Message
from messaging.services.outbound.deliver import deliver_message
from tenants.models import Membership
from tests.messaging.factories import (
    DID,
    OTHER_DID,
    RECIPIENT,
    SEND_URL,
    accepted,
    callback,
    in_acme,
    receive_callbacks,
)

# No module-wide django_db mark: `acme` brings the test transaction, `committed_acme` commits instead.


def paths(acme, test=None) -> dict[str, str]:
    base = f"/t/acme/sms/{acme.configuration.pk}/"
    found = {"detail": base, "start": f"{base}tests/"}
    if test is not None:
        found |= {"report": f"{base}tests/{test.pk}/", "status": f"{base}tests/{test.pk}/status/"}
    return found


def start(acme, client, **changes):
    data = {"from_number": DID, "to_number": OTHER_DID, "to": "", "text": "Hello from the test"} | changes
    return client.post(paths(acme)["start"], data)


def test_the_configurations_page_offers_the_form_with_its_numbers(acme, client_a):
    page = client_a.get(paths(acme)["detail"]).content.decode()
    assert 'data-testid="test-message-form"' in page
    assert f'<option value="{DID}"' in page and f'<option value="{OTHER_DID}" selected>' in page
    assert 'value="Test message from PBX portal (Acme Corp)"' in page


def test_send_opens_the_report_which_follows_the_steps(acme, client_a, bandwidth):
    answer = start(acme, client_a)
    test = in_acme(acme, lambda: ConnectionTest.objects.get())
    assert answer.status_code == 302 and answer["Location"] == paths(acme, test)["report"]
    page = client_a.get(answer["Location"]).content.decode()
    assert 'data-state="running"' in page and "js/test_message.js" in page
    assert "Accepted by Bandwidth" in page and "waiting" in page and "Not sent for SMS" in page
    assert "<script>" not in page  # CSP: no inline script

    message = in_acme(acme, lambda: Message.objects.get(pk=test.message_id))
    bandwidth.post(SEND_URL, status=202, json=accepted("bw-test-1", to=[OTHER_DID]))
    in_acme(acme, lambda: deliver_message(message_id=message.pk))
    in_acme(acme, lambda: receive_callbacks(acme.configuration, callback(
        "message-failed-4773", to=OTHER_DID, message__to=[OTHER_DID], message__tag=str(message.uid),
        message__id="bw-test-1")))
    status = client_a.get(paths(acme, test)["status"])
    assert status.status_code == 200 and status["Cache-Control"] == "no-store"
    data = status.json()
    assert data["state"] == "failed" and data["to"] == OTHER_DID
    by_key = {step["key"]: step for step in data["steps"]}
    assert by_key["accepted"]["state"] == "done" and by_key["accepted"]["at_text"]
    assert by_key["delivered"]["state"] == "failed" and "10DLC" in by_key["delivered"]["detail"]
    page = client_a.get(paths(acme, test)["report"]).content.decode()
    assert 'data-state="failed"' in page and "10DLC" in page


def test_the_test_message_is_in_messages_like_any_other(acme, client_a):
    start(acme, client_a)
    message = in_acme(acme, lambda: Message.objects.get())
    assert f"/t/acme/messages/{message.pk}/" in client_a.get("/t/acme/messages/").content.decode()
    detail = client_a.get(f"/t/acme/messages/{message.pk}/")
    assert detail.status_code == 200 and "Hello from the test" in detail.content.decode()


def test_a_typed_number_is_used_instead_of_the_choice(acme, client_a):
    start(acme, client_a, to="(919) 555-0199")
    assert in_acme(acme, lambda: ConnectionTest.objects.get().to) == RECIPIENT


def test_a_second_test_while_one_runs_is_refused_on_the_form(acme, client_a):
    start(acme, client_a)
    page = start(acme, client_a)
    assert page.status_code == 200 and "is still running" in page.content.decode()
    assert in_acme(acme, lambda: ConnectionTest.objects.count()) == 1


@pytest.mark.parametrize(("body", "field", "words"), [
    ("to=%00", "to", "Null characters are not allowed"),
    ("to=%ED%A0%80", "to", "not a phone number"),
    ("to=" + "9" * 5000, "to", "at most 32 characters"),
    ("to=12", "to", "not a valid phone number"),
    ("to_number=" + "9" * 5000, "to_number", "not one of the available choices"),
    ("from_number=%00", "from_number", "not one of the available choices"),
    ("text=" + "x" * 3000, "text", "at most 2048 characters"),
    ("text=%00", "text", "Null characters are not allowed"),
])
def test_odd_inputs_are_field_errors_and_send_nothing(acme, client_a, body, field, words):
    defaults = {"from_number": DID, "to_number": "", "to": "", "text": "Hi"}
    given = dict(part.split("=", 1) for part in body.split("&"))
    encoded = "&".join(f"{key}={given.get(key, quote(value))}" for key, value in defaults.items())
    page = client_a.post(paths(acme)["start"], encoded, content_type="application/x-www-form-urlencoded")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-field="{field}"' in html and words in html
    assert in_acme(acme, lambda: Message.objects.count()) == 0


@pytest.mark.parametrize("suffix", ["9999/", "9999/status/", "%ED%A0%80/"])
def test_an_unknown_test_is_404(acme, client_a, suffix):
    assert client_a.get(paths(acme)["start"] + suffix).status_code == 404


def test_admin_of_other_tenant_gets_404_and_sends_nothing(acme, client_a, admin_b):
    start(acme, client_a)
    client_b = Client()
    client_b.force_login(admin_b)
    test = in_acme(acme, lambda: ConnectionTest.objects.get())
    in_acme(acme, lambda: ConnectionTest.objects.filter(pk=test.pk).update(finished_at=test.started_at))
    found = paths(acme, test)
    for path in (found["start"], found["report"], found["status"]):
        assert client_b.get(path).status_code == 404
    assert start(acme, client_b).status_code == 404
    assert in_acme(acme, lambda: ConnectionTest.objects.count()) == 1


def test_extension_user_gets_404(acme, client_a, tenant_a):
    start(acme, client_a)
    test = in_acme(acme, lambda: ConnectionTest.objects.get())
    in_acme(acme, lambda: ConnectionTest.objects.filter(pk=test.pk).update(finished_at=test.started_at))
    user = get_user_model().objects.create_user(username="ext_tests", password="x-Very-long-9")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    found = paths(acme, test)
    for path in (found["start"], found["report"], found["status"]):
        assert client.get(path).status_code == 404
    assert start(acme, client).status_code == 404
    assert in_acme(acme, lambda: ConnectionTest.objects.count()) == 1


def test_two_presses_at_the_same_moment_start_one_test(committed_acme, published):
    user = get_user_model().objects.get(username="admin_a")
    clients = [Client() for _ in range(2)]
    for client in clients:
        client.force_login(user)
    connection.set_schema_to_public()
    barrier, answers = threading.Barrier(2), []

    def press(client):
        try:
            barrier.wait()
            answers.append(start(committed_acme, client))
        except BaseException as exc:  # kept for the test: an exception in a thread cannot fail it
            answers.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    with tenant_context(committed_acme.tenant):
        assert ConnectionTest.objects.count() == 1 and Message.objects.count() == 1
    assert sorted(answer.status_code for answer in answers) == [200, 302], answers
    refused = next(answer for answer in answers if answer.status_code == 200)
    assert "is still running" in refused.content.decode()
