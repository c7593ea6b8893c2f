"""The Messages screen with 100,000 messages: how long its pages take.

    .venv/bin/python bench/messages_page.py [--messages 100000] [--rounds 20]

Creates its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_pages),
one tenant with an administrator, bulk-inserts the messages, then times each page (newest, an older
keyset page, status, number and direction filters, the Unrouted box) through Django's test client with
production settings. Prints the median and the worst of the rounds in milliseconds; exits 1 when it
could not measure. Drops the database afterwards.
"""

import argparse
import contextlib
import io
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_pages"


def insert_messages(count: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO messaging_message (uid, direction, status, from_number, to_numbers, text, segments,
                provider_message_id, error_description, warnings, keyword, attempts, unrouted, created_at, updated_at)
            SELECT gen_random_uuid(), CASE WHEN i % 4 = 0 THEN 'in' ELSE 'out' END,
                   CASE WHEN i % 4 = 0 THEN 'received' WHEN i % 10 = 1 THEN 'failed' ELSE 'delivered' END,
                   '+19195550100', ARRAY['+1919555' || lpad((i % 10000)::text, 4, '0')], 'bulk ' || i, 1, '', '',
                   '[]'::jsonb, '', 1, i % 40 = 0, now() - make_interval(secs => i), now()
            FROM generate_series(1, {int(count)}) AS i""")
        cursor.execute("ANALYZE messaging_message")


def time_pages(client, rounds: int) -> dict[str, list[float]]:
    base = "/t/bench-pages/messages/"
    first = client.get(base)
    older = re.search(r'href="(\?after=[^"]+)"', first.content.decode())
    if first.status_code != 200 or older is None:
        raise common.CannotMeasure(f"the Messages page answered {first.status_code} without an Older link")
    pages = {"newest": base, "older page": base + older.group(1).replace("&amp;", "&"),
             "status=failed": base + "?status=failed", "number": base + "?number=%2B19195550042",
             "direction=in": base + "?direction=in", "unrouted": base + "?unrouted=on"}
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(rounds):
        for name, url in pages.items():
            started = time.perf_counter()
            answer = client.get(url)
            timings[name].append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise common.CannotMeasure(f"{url} answered {answer.status_code}")
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    import os

    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    env = common.production_env(database_url, os.environ.get("BENCH_REDIS_URL", common.DEFAULT_REDIS_URL),
                                 common.free_port())
    try:
        common.recreate_database(database_url)
        common.manage(env, "collectstatic", "--noinput", "-v", "0")  # production settings use the manifest
        common.prepare(env)
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django_tenants.utils import tenant_context

        from tenants.services import create_tenant

        with contextlib.redirect_stdout(io.StringIO()):  # django-tenants prints every migration
            tenant = create_tenant(name="Pages", slug="bench-pages", admin_username="pages-admin",
                                   admin_password=secrets.token_urlsafe(16))
        with tenant_context(tenant):
            started = time.perf_counter()
            insert_messages(args.messages)
            common.say(f"inserted {args.messages:,} messages in {time.perf_counter() - started:.1f} s")
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(get_user_model().objects.get(username="pages-admin"))
        timings = time_pages(client, args.rounds)
    except common.CannotMeasure as exc:
        common.say(f"could not measure: {exc}")
        return 1
    finally:
        common.close_django_connections()
        common.drop_database(database_url)
    common.say(f"Messages screen, {args.messages:,} messages, {args.rounds} rounds; {common.machine()}")
    common.say(f"{'page':<15} {'median ms':>10} {'worst ms':>10}")
    for name, values in timings.items():
        common.say(f"{name:<15} {statistics.median(values):10.1f} {max(values):10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
