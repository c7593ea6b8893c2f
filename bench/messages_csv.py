"""The Messages list's CSV export at 1,000,000 messages: peak memory of the web process, rows per second, and the
Usage statement at that size.

    .venv/bin/python bench/messages_csv.py [--messages 1000000] [--baseline 10000] [--explain]

Creates its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_csv) with
two tenants seeded like bench/messages_page.py (its seed(): a third inbound, one recipient per outbound
message, routed_to links): `big` with --messages messages and `small` with --baseline.

Each export runs in a fresh child process that serves GET /t/<slug>/messages/export/ through the portal's ASGI
application (portal.asgi, as the web process does, production settings) to an in-memory ASGI `send` that counts
the bytes and throws them away. The child reports its resident memory before the request and its peak
(ru_maxrss) after it. The baseline is the same export of the small tenant: flat memory means the big export's
growth over the child's starting size is about the small one's, not a hundred times it.

It then times the Usage statement (messaging.selectors.usage.list_usage) of the month holding the big tenant's
messages, and with --explain prints its EXPLAIN (ANALYZE, BUFFERS). Exits 1 when it could not measure. Drops
the database unless --keep-database.
"""

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_csv"


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child(slug: str, username: str) -> None:
    """In a fresh process: one export through the ASGI application; prints a JSON line of figures."""
    sys.path.insert(0, str(common.ROOT))
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from portal.asgi import application  # sets Django up

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    from django.db import connections

    connections.close_all()
    before = rss_kb()
    figures = {"status": None, "bytes": 0, "chunks": 0, "lines": 0}

    requested = []

    async def receive():
        if not requested:
            requested.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the response ends

    async def send(message):
        if message["type"] == "http.response.start":
            figures["status"] = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            figures["bytes"] += len(body)
            figures["chunks"] += 1
            figures["lines"] += body.count(b"\n")  # not "\r\n": a send may split the pair

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": f"/t/{slug}/messages/export/", "raw_path": f"/t/{slug}/messages/export/".encode(),
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
    }
    started = time.perf_counter()
    asyncio.run(application(scope, receive, send))
    figures |= {"seconds": time.perf_counter() - started, "rss_before_kb": before,
                "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    print(json.dumps(figures), flush=True)


def export_in_child(env: dict, slug: str, username: str) -> dict:
    result = subprocess.run([common.PYTHON, __file__, "--child", slug, username], cwd=common.ROOT, env=env,
                            capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise common.CannotMeasure(f"the export of {slug} failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["status"] != 200:
        raise common.CannotMeasure(f"the export of {slug} answered {figures['status']}")
    return figures


def usage_statement(tenant, explain: bool) -> tuple[float, str]:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from messaging.models import Message
    from messaging.selectors import usage

    zone = usage.usage_time_zone(tenant)
    with tenant_context(tenant):
        newest = Message.objects.order_by("-created_at").values_list("created_at", flat=True).first()
        month = usage.Month(newest.astimezone(zone).year, newest.astimezone(zone).month)
        usage.list_usage(month=month, zone=zone)  # warm
        started = time.perf_counter()
        rows = usage.list_usage(month=month, zone=zone)
        elapsed = (time.perf_counter() - started) * 1000
        plan = ""
        if explain:
            captured = []
            with connection.execute_wrapper(lambda execute, sql, params, many, context: (
                    captured.append((sql, params)), execute(sql, params, many, context))[1]):
                usage.list_usage(month=month, zone=zone)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured[0][0], captured[0][1])
                plan = "\n".join(row[0] for row in cursor.fetchall())
    total = usage.total(rows)
    common.say(f"Usage of {month} at the big tenant: {len(rows)} rows, {total.sms_sent:,} SMS sent, "
               f"{total.sms_received:,} received, in {elapsed:.0f} ms")
    return elapsed, plan


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    import messages_page

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=10_000, help="messages of the baseline tenant")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the Usage statement")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    database_url, env = common.bench_database_and_env(DATABASE_URL)
    try:
        common.recreate_database(database_url)
        common.manage(env, "collectstatic", "--noinput", "-v", "0")
        common.prepare(env)
        made = {slug: messages_page.make_tenant(slug, count)
                for slug, count in (("big", args.messages), ("small", args.baseline))}
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        common.close_django_connections()
        figures = {slug: export_in_child(env, slug, admin.username) for slug, (_, admin, _) in made.items()}
        elapsed, plan = usage_statement(made["big"][0], args.explain)
    except common.CannotMeasure as exc:
        common.say(f"could not measure: {exc}")
        return 1
    finally:
        common.close_django_connections()
        if not args.keep_database:
            common.drop_database(database_url)
    report(figures, args)
    if plan:
        common.say("\nEXPLAIN (ANALYZE, BUFFERS) of the Usage statement:\n" + plan)
    return 0


def report(figures: dict, args) -> None:
    common.say(f"\nMessages CSV export through ASGI; {common.machine()}; {common.load_average()}")
    common.say(f"{'tenant':<7} {'messages':>10} {'CSV lines':>10} {'MB sent':>8} {'chunks':>7} {'seconds':>8} "
               f"{'rows/s':>8} {'RSS before MB':>14} {'peak MB':>8} {'growth MB':>10}")
    growth = {}
    for slug, count in (("big", args.messages), ("small", args.baseline)):
        f = figures[slug]
        growth[slug] = (f["peak_kb"] - f["rss_before_kb"]) / 1024
        common.say(f"{slug:<7} {count:>10,} {f['lines']:>10,} {f['bytes'] / 1e6:>8.1f} {f['chunks']:>7,} "
                   f"{f['seconds']:>8.1f} {f['lines'] / f['seconds']:>8,.0f} {f['rss_before_kb'] / 1024:>14.1f} "
                   f"{f['peak_kb'] / 1024:>8.1f} {growth[slug]:>10.1f}")
    common.say(f"peak growth big / small: {growth['big'] / max(growth['small'], 0.1):.2f} "
               f"for {args.messages / args.baseline:.0f}x the rows (flat memory: about 1)")


if __name__ == "__main__":
    sys.exit(main())
