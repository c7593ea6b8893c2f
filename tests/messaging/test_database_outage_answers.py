"""While PostgreSQL restarts, a request that needs it answers 503 with Retry-After (Bandwidth and API
clients retry that), never a 500 that reads like a bug; nothing is stored half-way."""

import json

import pytest
import redis
from django.core.cache import cache
from django.db import OperationalError
from django_tenants.utils import tenant_context

from messaging.models import WebhookEvent
from messaging.selectors import configuration as configuration_selectors
from messaging.services.configuration import sms_configurations
from messaging.services.configuration import trunks as trunk_service
from messaging.services.inbound import webhook
from tests.messaging.factories import callback

pytestmark = pytest.mark.django_db


def database_down(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_the_webhook_answers_503_so_bandwidth_retries(client, tenant_a, acme_config, monkeypatch):
    with tenant_context(tenant_a):
        path = "/" + sms_configurations.webhook_url(acme_config).split("/", 3)[3]
    monkeypatch.setattr(webhook, "record_callbacks", database_down)
    client.raise_request_exception = False
    answer = client.post(path, json.dumps(callback("message-received")), content_type="application/json")
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert answer.json()["code"] == "unavailable" and set(answer.json()) == {"detail", "code", "fields"}
    with tenant_context(tenant_a):
        assert not WebhookEvent.objects.exists()


def test_an_api_write_answers_503_with_the_error_body(api_a, tenant_a, monkeypatch):
    monkeypatch.setattr(trunk_service, "create_trunk", database_down)
    answer = api_a.post("/t/acme/api/v1/trunks/", {"name": "BW", "host": "sip.example.com"}, format="json")
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert answer.json()["code"] == "unavailable"


def test_a_screen_answers_a_503_page(client_a, tenant_a, monkeypatch):
    monkeypatch.setattr(configuration_selectors, "list_trunks", database_down)
    client_a.raise_request_exception = False
    answer = client_a.get("/t/acme/trunks/")
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert b"Briefly unavailable" in answer.content


def test_connect_to_bandwidth_while_redis_restarts_answers_503_not_500(client_a, api_a, tenant_a, acme_config,
                                                                        monkeypatch, public_portal):
    def redis_down(*args, **kwargs):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache, "add", redis_down)  # Connect's lock against a second Connect at once
    client_a.raise_request_exception = False
    page = client_a.post(f"/t/acme/sms/{acme_config.pk}/bandwidth/connect/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    answer = api_a.post(f"/t/acme/api/v1/sms-configurations/{acme_config.pk}/connect/", {}, format="json")
    assert answer.status_code == 503 and answer.json()["code"] == "unavailable"
