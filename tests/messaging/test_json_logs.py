"""LOG_FORMAT=json: each line one JSON object naming the tenant, the request id and the message id, from a
request and from a task; the request id comes from the proxy when sane and travels into tasks."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
import requests
from django.db import connection

from messaging import dispatch, tasks
from portal import logs
from portal.celery import app
from tests.messaging.factories import SEND_URL, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The root logger's lines as the json LOGGING writes them (the same formatter and filter), parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.PortalJsonFormatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_the_settings_write_json_lines_when_log_format_is_json():
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('portal.test').warning('hello %s', 'world')")
    env = dict(os.environ, LOG_FORMAT="json", DJANGO_SETTINGS_MODULE="portal.settings")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    (line,) = [line for line in done.stderr.splitlines() if "hello" in line]
    record = json.loads(line)
    assert record["message"] == "hello world" and record["level"] == "WARNING" and record["logger"] == "portal.test"
    assert {"time", "tenant", "request_id", "message_id"} <= set(record)


def test_plain_format_stays_text():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings")
    env.pop("LOG_FORMAT", None)
    code = "import django, logging; django.setup(); logging.getLogger('portal.test').warning('hello')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    (line,) = [line for line in done.stderr.splitlines() if "hello" in line]
    assert line.endswith("WARNING portal.test hello") and not line.startswith("{")


def test_a_request_line_names_the_tenant_and_the_proxys_request_id(client, webhook_path, json_lines):
    answer = client.post(webhook_path, "[]", content_type="application/json", HTTP_X_REQUEST_ID="proxy-id-123")
    assert answer.status_code == 400  # an empty list: refused, and Django logs the 4xx answer
    assert answer["X-Request-ID"] == "proxy-id-123"
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["tenant"] == "acme" and line["request_id"] == "proxy-id-123" and line["message_id"] is None
    token = webhook_path.rstrip("/").rsplit("/", 1)[1]
    assert token not in line["message"] and "/webhooks/bandwidth/***" in line["message"]


@pytest.mark.parametrize("sent", ["", "x" * 129, "two words", "line\nbreak", "quote\""])
def test_an_insane_request_id_is_replaced_by_a_new_one(client, sent):
    answer = client.get("/login/", HTTP_X_REQUEST_ID=sent)
    assert answer["X-Request-ID"] != sent
    assert logs.REQUEST_ID_SHAPE.fullmatch(answer["X-Request-ID"])


def test_each_request_without_one_gets_its_own_id(client):
    first, second = client.get("/login/")["X-Request-ID"], client.get("/login/")["X-Request-ID"]
    assert first != second and len(first) == 32


def test_a_task_published_in_a_request_carries_its_id(acme, monkeypatch):
    headers = []
    monkeypatch.setattr(app.tasks["messaging.drain_inbox"], "apply_async",
                        lambda *args, **kwargs: headers.append(kwargs["headers"]))
    with logs.bound(request_id="req-42"):
        dispatch.now("messaging.drain_inbox")
    dispatch.now("messaging.drain_inbox")
    assert headers == [{"_schema_name": "t_acme", "request_id": "req-42"}, {"_schema_name": "t_acme"}]


def test_a_task_line_names_the_tenant_the_request_id_and_the_message(acme, bandwidth, json_lines):
    bandwidth.post(SEND_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    message = make_message(acme, text="secret words 8812")
    tasks.deliver_message.apply(args=[message.pk], headers={"_schema_name": connection.schema_name,
                                                            "request_id": "req-from-web"})
    (line,) = [line for line in json_lines() if line["logger"] == "messaging.services.outbound.deliver"]
    assert line["tenant"] == "acme" and line["request_id"] == "req-from-web" and line["message_id"] == message.pk
    assert "8812" not in json.dumps(json_lines())
    assert logs.current("request_id") is None and logs.current("message_id") is None  # unbound after the task


def test_a_task_nobody_requested_uses_its_own_id(acme, bandwidth, json_lines):
    bandwidth.post(SEND_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    message = make_message(acme)
    result = tasks.deliver_message.apply(args=[message.pk], task_id="beat-task-1")
    assert result.successful()
    (line,) = [line for line in json_lines() if line["logger"] == "messaging.services.outbound.deliver"]
    assert line["request_id"] == "beat-task-1" and line["message_id"] == message.pk
