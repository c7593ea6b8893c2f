"""Sentry (SENTRY_DSN): reports leave without request bodies, credentials, frame variables or message text,
tagged with the log lines' tenant, request id and message id. No network: events are crafted and scrubbed."""

import json
import os
import subprocess
import sys

from portal import logs, sentry

WEBHOOK_TOKEN = "b0mT280onN9Ivu83UCXd64eZCNxkIhmVIMU1Eh1P0tI"
SECRETS = ("hello grandma 4417", "s3cret-Client-Secret-value-42", "Token abc123token", "sessionid-value",
           WEBHOOK_TOKEN, "callback-pass-999")


def crafted_event() -> dict:
    """What the Django and Celery integrations send for an exception in the webhook or a message send."""
    return {
        "level": "error",
        "logentry": {"message": "processing webhook event %s failed", "params": [17]},
        "request": {
            "url": f"https://portal.example.com/webhooks/bandwidth/{WEBHOOK_TOKEN}/",
            "method": "POST",
            "query_string": "token=Token abc123token",
            "headers": {"Authorization": "Token abc123token", "Cookie": "sessionid=sessionid-value",
                        "Content-Type": "application/json", "X-Request-ID": "req-1"},
            "cookies": {"sessionid": "sessionid-value"},
            "data": '[{"type": "message-received", "message": {"text": "hello grandma 4417"}}]',
        },
        "exception": {"values": [{"type": "ValueError", "value": "bad payload", "stacktrace": {"frames": [
            {"function": "deliver_message", "vars": {"password": "s3cret-Client-Secret-value-42",
                                                     "text": "hello grandma 4417"}},
        ]}}]},
        "extra": {"text": "hello grandma 4417", "callback_password": "callback-pass-999", "message_id": 42},
        "breadcrumbs": {"values": [{"category": "query", "message": "SELECT 1",
                                    "data": {"body": {"text": "hello grandma 4417"}}}]},
        "contexts": {"runtime": {"name": "CPython", "version": "3.11"}},
    }


def test_nothing_secret_and_no_message_text_leaves():
    event = sentry.before_send(crafted_event(), {})
    sent = json.dumps(event)
    for secret in SECRETS:
        assert secret not in sent, secret
    assert "data" not in event["request"] and "cookies" not in event["request"]
    assert event["request"]["headers"]["Authorization"] == sentry.FILTERED
    assert event["request"]["url"] == "https://portal.example.com/webhooks/bandwidth/***/"
    assert "vars" not in event["exception"]["values"][0]["stacktrace"]["frames"][0]


def test_what_helps_to_debug_stays():
    event = sentry.before_send(crafted_event(), {})
    assert event["exception"]["values"][0]["type"] == "ValueError"
    assert event["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] == "deliver_message"
    assert event["extra"]["message_id"] == 42
    assert event["request"]["headers"]["X-Request-ID"] == "req-1"
    assert event["contexts"]["runtime"] == {"name": "CPython", "version": "3.11"}
    assert event["logentry"]["params"] == [17]


def test_reports_carry_the_log_lines_context():
    with logs.bound(request_id="req-9", message_id=7, tenant="acme"):
        event = sentry.before_send({"message": "boom"}, {})
    assert event["tags"] == {"tenant": "acme", "request_id": "req-9", "message_id": "7"}


def test_breadcrumbs_are_scrubbed_too():
    crumb = sentry.before_breadcrumb({"category": "httplib", "data": {"url": f"/webhooks/bandwidth/{WEBHOOK_TOKEN}/",
                                                                      "password": "callback-pass-999"}}, {})
    assert WEBHOOK_TOKEN not in json.dumps(crumb) and "callback-pass-999" not in json.dumps(crumb)


def test_sentry_starts_only_with_a_dsn_and_without_personal_data():
    code = ("import django; django.setup(); import sentry_sdk; from portal import sentry as s; "
            "c = sentry_sdk.get_client(); o = c.options if c.is_active() else {}; "
            "print(c.is_active(), o.get('send_default_pii'), o.get('include_local_variables'), "
            "o.get('before_send') is s.before_send, sorted(c.integrations) if c.is_active() else [])")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings")
    env.pop("SENTRY_DSN", None)
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert off.stdout.startswith("False")
    env["SENTRY_DSN"] = "https://public@127.0.0.1:9/1"  # nothing listens there: no event is sent
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    active, pii, local_vars, ours, integrations = on.stdout.split(" ", 4)
    assert (active, pii, local_vars, ours) == ("True", "False", "False", "True")
    assert "'celery'" in integrations and "'django'" in integrations
