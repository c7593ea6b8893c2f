"""/healthz for load balancers: the database, Redis (which is also the Celery broker) and whether
FIELD_ENCRYPTION_KEY reads the stored secrets.

It answers within about DEADLINE seconds whatever hangs: Redis is asked from a thread with short socket
timeouts while the database is asked here, and a check without an answer by the deadline is reported as
such. A Redis that accepts connections and never answers must not take the health check down with it.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

DEADLINE = 1.5
# Threads outlive a request whose Redis check hung, so the pool is shared and small: a check stuck
# past its socket timeout only delays the next one's start, never a request past its deadline.
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def _error(exc: BaseException) -> str:
    return f"error: {exc.__class__.__name__}"


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # a health check reports every failure as it is
        return _error(exc)


def _check_encryption() -> str:
    from messaging.checks import find_unreadable_secret

    try:
        problem = find_unreadable_secret()
    except Exception as exc:  # a health check reports every failure as it is
        return _error(exc)
    return "ok" if problem is None else f"error: {problem}"


def _check_redis(url: str) -> str:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=settings.REDIS_TIMEOUT,
                                      socket_timeout=settings.REDIS_TIMEOUT, retry=None)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception as exc:  # a health check reports every failure as it is
        return _error(exc)


@never_cache
def healthz(request):
    deadline = time.monotonic() + DEADLINE
    asked = _pool.submit(_check_redis, settings.REDIS_URL)
    checks = {"database": _check_database()}
    checks["encryption"] = _check_encryption() if checks["database"] == "ok" else "error: database unavailable"
    try:
        checks["redis"] = asked.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        checks["redis"] = f"error: no answer within {DEADLINE:g} s"
    if settings.CELERY_BROKER_URL == settings.REDIS_URL:
        checks["broker"] = checks["redis"]
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
