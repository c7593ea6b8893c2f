"""A Redis that hangs (accepts connections, never answers) costs a request at most about REDIS_TIMEOUT:
the webhook still stores and acknowledges, sends are still accepted (the row is the record, the sweepers
publish later), /healthz says what is degraded, all within the 2 s the portal promises; when Redis
answers again, publishing works again in the same process, without a restart.

A redis-server of the test's own is SIGSTOPped; cache, broker and /healthz all point at it.
"""

import json
import time

import pytest
import redis
from django.core.cache import cache
from django_tenants.utils import tenant_context

from messaging import dispatch
from messaging.live import publication as live_publication
from messaging.models import Message, WebhookEvent
from messaging.services.configuration import sms_configurations
from tests.messaging.factories import RECIPIENT, build_acme, callback
from tests.worker import using_broker

pytestmark = pytest.mark.django_db

PROMISE = 2.0  # seconds: Bandwidth's patience is about 10 s, a user's less


@pytest.fixture
def redis_at_hand(private_redis, settings):
    """Cache, broker and /healthz on the private Redis (answering until the test hangs it)."""
    dispatch._paused_until.clear()  # every test pays the first, real timeout
    with using_broker(private_redis.url):  # first: it keeps the broker URL of the settings to go back to
        settings.REDIS_URL = settings.CELERY_BROKER_URL = private_redis.url
        settings.CACHES = {"default": settings.CACHES["default"] | {"LOCATION": private_redis.url}}
        yield private_redis
    private_redis.resume()
    dispatch._paused_until.clear()
    live_publication._paused_until = 0.0  # the live events paused on the hung Redis too


@pytest.fixture
def acme_sending(tenant_a, admin_a):
    """Acme ready to send, and the webhook path of its configuration."""
    with tenant_context(tenant_a):
        setup = build_acme(tenant_a)
        setup.webhook_path = sms_configurations.rotate_webhook_token(user=admin_a,
                                                                     configuration=setup.configuration).path
    return setup


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_webhook_stores_and_acknowledges_within_2_s(client, redis_at_hand, acme_sending, tenant_a,
                                                     django_capture_on_commit_callbacks):
    redis_at_hand.hang()
    body = json.dumps(callback("message-received") + callback("message-delivered"))
    with django_capture_on_commit_callbacks(execute=True):
        answer, took = timed(lambda: client.post(acme_sending.webhook_path, body, content_type="application/json"))
    assert answer.status_code == 200
    assert took < PROMISE
    with tenant_context(tenant_a):
        assert WebhookEvent.objects.count() == 2


def test_a_send_is_accepted_within_2_s_and_stays_queued(api_a, redis_at_hand, acme_sending, tenant_a,
                                                        django_capture_on_commit_callbacks):
    redis_at_hand.hang()
    with django_capture_on_commit_callbacks(execute=True):
        answer, took = timed(lambda: api_a.post(
            "/t/acme/api/v1/messages/", {"from_extension": "101", "to": [RECIPIENT], "text": "Hello"}, format="json"))
    assert answer.status_code == 202
    assert took < PROMISE
    with tenant_context(tenant_a):
        assert Message.objects.get().status == Message.Status.QUEUED


def test_healthz_answers_503_within_2_s_naming_redis(client, redis_at_hand):
    redis_at_hand.hang()
    answer, took = timed(lambda: client.get("/healthz"))
    assert answer.status_code == 503
    assert took < PROMISE
    assert answer.json()["redis"].startswith("error")
    assert answer.json()["broker"].startswith("error")
    assert answer.json()["database"] == "ok"


def test_publishing_and_the_cache_work_again_when_redis_answers(redis_at_hand, tenant_a):
    redis_at_hand.hang()
    with tenant_context(tenant_a):
        assert not dispatch.now("tenants.refresh_tenant_counts")
    with pytest.raises(redis.RedisError):
        cache.get("anything")

    redis_at_hand.resume()
    deadline = time.monotonic() + 15  # a failed publish pauses publishing a few seconds (messaging.dispatch)
    with tenant_context(tenant_a):
        while not dispatch.now("tenants.refresh_tenant_counts"):
            assert time.monotonic() < deadline, "publishing did not work again after Redis came back"
            time.sleep(0.5)
    assert redis.Redis.from_url(redis_at_hand.url).llen("celery") == 1
    cache.set("anything", 1)
    assert cache.get("anything") == 1
