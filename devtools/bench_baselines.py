"""Baseline endpoints for bench/webhook_ingest.py, never part of a normal deployment.

Only devtools/bench_urls.py includes these URLs (the benchmark's server runs with
DJANGO_SETTINGS_MODULE=devtools.bench_settings); the portal's own URLconfs never do. They sit beside
the webhook and go through the same middleware, so a benchmark's ratio against them isolates the
webhook's own work:

- /bench/bare/<token>/  reads the body and answers 200 without touching the database (in the view);
- /bench/raw/<token>/   stores the raw body durably with one INSERT (autocommit), then answers 200.

The table public.bench_raw_callback is created and dropped by the benchmark, not by migrations.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

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
]
