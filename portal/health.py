"""/healthz for load balancers: the database and Redis (which is also the Celery broker)."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # a health check reports every failure as it is
        return f"error: {exc.__class__.__name__}"


def _check_redis() -> str:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return "ok"
    except Exception as exc:  # a health check reports every failure as it is
        return f"error: {exc.__class__.__name__}"


@never_cache
def healthz(request):
    checks = {"database": _check_database(), "redis": _check_redis()}
    if settings.CELERY_BROKER_URL == settings.REDIS_URL:
        checks["broker"] = checks["redis"]
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
