"""Baseline endpoints for bench/webhook_ingest.py, never part of a normal deployment.

portal/urls_public.py includes these URLs only when the environment says PORTAL_BENCH_BASELINES=1,
and this module adds nothing unless it does either. They sit beside the webhook and go through the
same middleware, so a benchmark's ratio against them isolates the webhook's own work:

- /bench/bare/<token>/  reads the body and answers 200 without touching the database (in the view);
- /bench/raw/<token>/   stores the raw body durably with one INSERT (autocommit), then answers 200.

The table public.bench_raw_callback is created and dropped by the benchmark, not by migrations.
"""

import os

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

ENABLED = os.environ.get("PORTAL_BENCH_BASELINES") == "1"
OK = b'{"status": "ok", "stored": 1, "duplicates": 0}'


@csrf_exempt
def bare(request, token: str):
    request.body  # noqa: B018 -- read it, as the webhook does
    return HttpResponse(OK, content_type="application/json")


@csrf_exempt
def raw_insert(request, token: str):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO public.bench_raw_callback (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse(OK, content_type="application/json")


urlpatterns = [
    path("bench/bare/<str:token>/", bare, name="bench-bare"),
    path("bench/raw/<str:token>/", raw_insert, name="bench-raw"),
] if ENABLED else []
