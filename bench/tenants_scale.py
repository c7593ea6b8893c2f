"""Tenant scale: creating a tenant, the Tenants page and webhook throughput at 1,000 tenants.

    .venv/bin/python bench/tenants_scale.py [--tenants 1000] [--timed 20] [--parallel 2]

On a fresh database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_tenants;
Redis: BENCH_REDIS_URL, default redis://127.0.0.1:6379/11, flushed at the end):

1. Creation: the first --timed tenants are created one after another with tenants.services.create_tenant
   (schema and migrations) and each is timed; so are the last --timed, when almost all others exist.
   The ones in between are created by --parallel processes, untimed. Every tenant gets a trunk, a DID
   and an SMS configuration with callback credentials (not part of the timing).
2. The Tenants page (GET /tenants/, first and last page, 50 rows a page) as a signed-in system
   administrator, with --timed tenants and again with all of them: gunicorn in production mode,
   sequential requests.
3. Webhook throughput at --tenants tenants: the same load (bench/wrk/callbacks.lua) once aimed at one
   tenant's webhook URL and once spread over every tenant's, interleaved rounds on the same server;
   every acknowledged event is then checked in its tenant's inbox (exactly once).

Exit status: 0 measured (targets reported, not enforced); 1 could not measure; 2 an acknowledged event
is missing or stored twice.
"""

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TARGET_CREATE_S = 0.5
TARGET_SCALE_RATIO = 0.9
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_tenants"
REDIS_URL = "redis://127.0.0.1:6379/11"
ADMIN, ADMIN_PASSWORD = "bench-sysadmin", "bench-Sysadmin-pass-42"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--timed", type=int, default=50,
                        help="tenants timed at the start and at the end (50: the first Tenants page is full)")
    parser.add_argument("--parallel", type=int, default=2, help="processes creating the untimed tenants")
    parser.add_argument("--duration", type=int, default=10, help="seconds of webhook load per run")
    parser.add_argument("--rounds", type=int, default=2, help="1-tenant / all-tenants rounds, interleaved")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--page-requests", type=int, default=30, help="GETs per Tenants page measurement")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--create-range", nargs=2, type=int, help=argparse.SUPPRESS)  # a --parallel helper
    args = parser.parse_args()
    if not 2 * args.timed <= args.tenants <= 5000 or not 1 <= args.timed <= 100:
        parser.error("--timed 1..100 and --tenants from 2 x --timed up to 5000")
    if not 1 <= args.duration <= 300 or not 1 <= args.rounds <= 10 or not 1 <= args.parallel <= 8:
        parser.error("--duration 1..300, --rounds 1..10, --parallel 1..8")
    return args


def timed_creation(first: int, last: int) -> list[float]:
    from tenants.services import create_tenant

    seconds: list[float] = []

    def create(**kwargs):
        started = time.perf_counter()
        tenant = create_tenant(**kwargs)
        seconds.append(time.perf_counter() - started)
        return tenant

    for index in range(first, last + 1):
        common.seed_tenant(index, create=create)
    return seconds


def parallel_creation(env: dict, first: int, last: int, processes: int) -> float:
    """Tenants first..last by several processes of this script; returns the wall time."""
    if last < first:
        return 0.0
    started = time.perf_counter()
    bounds = [first + (last - first + 1) * part // processes for part in range(processes + 1)]
    helpers = [subprocess.Popen([common.PYTHON, __file__, "--create-range", str(a), str(b - 1)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    failures = [helper.stderr.read()[-2000:] for helper in helpers if helper.wait() != 0]
    if failures:
        raise common.CannotMeasure("creating tenants failed:\n" + failures[0])
    return time.perf_counter() - started


def fill_counts_and_paths() -> tuple[list[str], list[str]]:
    """What the Tenants page shows (counts, as the periodic task leaves them) and, in tenant order, each
    tenant's schema and webhook path."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from tenants.models import Tenant, WebhookEndpoint
    from tenants.tasks import refresh_tenant_counts

    tenants = sorted(Tenant.objects.customers(), key=lambda t: int(t.slug.rsplit("-", 1)[1]))
    for tenant in tenants:
        with tenant_context(tenant):
            refresh_tenant_counts()
    connection.set_schema_to_public()
    by_tenant = {e.tenant_id: e.path for e in WebhookEndpoint.objects.all()}
    return [t.schema_name for t in tenants], [by_tenant[t.pk] for t in tenants]


def signed_in_opener(port: int) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = f"http://127.0.0.1:{port}/login/"
    page = opener.open(login, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise common.CannotMeasure("the sign-in page has no CSRF token")
    form = urllib.parse.urlencode({"username": ADMIN, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token[1]})
    answer = opener.open(login, data=form.encode(), timeout=10)
    if answer.url.rstrip("/").endswith("/login"):
        raise common.CannotMeasure("signing in as the system administrator failed")
    return opener


def tenants_page(server, port: int, requests: int, tenants: int, database_url: str) -> dict:
    """Median and worst time of GET /tenants/ (first page) and of its last page, signed in."""
    opener = signed_in_opener(port)
    figures = {}
    last_page = (tenants + 49) // 50
    for label, query in (("first page", ""), ("last page", f"?page={last_page}")):
        url = f"http://127.0.0.1:{port}/tenants/{query}"
        for _ in range(8):  # every worker has served it before the clock starts
            opener.open(url, timeout=30).read()
        cpu_before = sum(common.server_cpu(server, database_url))
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            with opener.open(url, timeout=30) as answer:
                body = answer.read()
                if answer.status != 200 or b'data-testid="tenant-table"' not in body:
                    raise common.CannotMeasure(f"{url} answered {answer.status} without the tenant table")
            times.append(1000 * (time.perf_counter() - started))
        cpu_ms = 1000 * (sum(common.server_cpu(server, database_url)) - cpu_before) / requests
        rows = body.count(b"<tr data-slug=")
        figures[label] = {"median_ms": statistics.median(times), "max_ms": max(times), "cpu_ms": cpu_ms, "rows": rows}
    return figures


def main() -> int:
    args = parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    if args.create_range:
        common.load_django(dict(os.environ))
        for index in range(args.create_range[0], args.create_range[1] + 1):
            common.seed_tenant(index)
        return 0
    port = common.free_port()
    env = common.production_env(database_url, redis_url, port)
    common.say(f"machine: {common.machine()}; {common.load_average()}")
    report: dict = {}
    try:
        common.check_redis(redis_url)
        common.recreate_database(database_url)
        common.prepare(env)
        common.manage(env, "collectstatic", "--noinput", "-v", "0")  # the pages need the static manifest
        from django.contrib.auth import get_user_model

        get_user_model().objects.create_superuser(username=ADMIN, email="", password=ADMIN_PASSWORD)
        report["first"] = timed_creation(1, args.timed)
        common.say(f"created {args.timed} tenants, median {statistics.median(report['first']):.3f} s")
        with tempfile.TemporaryDirectory(prefix="bench-") as logs:
            fill_counts_and_paths()
            common.close_django_connections()
            with common.gunicorn(env, port, workers=args.workers,
                                 log_dir=Path(logs)) as server:
                report["page_few"] = tenants_page(server, port, args.page_requests, args.timed, database_url)
            last_timed = args.tenants - args.timed + 1
            seconds = parallel_creation(env, args.timed + 1, last_timed - 1, args.parallel)
            common.say(f"created {last_timed - 1 - args.timed} more tenants with {args.parallel} processes "
                       f"in {seconds:.0f} s")
            report["last"] = timed_creation(last_timed, args.tenants)
            schemas, paths = fill_counts_and_paths()
            common.close_django_connections()
            with common.gunicorn(env, port, workers=args.workers,
                                 log_dir=Path(logs)) as server:
                report["page_many"] = tenants_page(server, port, args.page_requests, args.tenants, database_url)
                common.warm_up(port, paths[:1])
                report["one"], report["all"] = [], []
                for round_number in range(args.rounds):
                    for key, targets in (("one", paths[:1]), ("all", paths)):
                        figures = common.measure(server, port, targets, database_url=database_url,
                                                 duration=args.duration, connections=args.connections)
                        report[key].append(figures)
                        common.say(common.summary_line(f"round {round_number + 1}, {len(targets)} tenant(s)", figures))
        common.say(f"after the load: {common.load_average()}")
        problems = verify(report, schemas)
        summarize(report, args)
        return 2 if problems else 0
    except common.CannotMeasure as exc:
        common.say(f"COULD NOT MEASURE: {exc}")
        return 1
    finally:
        common.clean_up(database_url, redis_url, keep_database=args.keep_database)


def verify(report: dict, schemas: list[str]) -> list[str]:
    problems = []
    for key, targets in (("one", schemas[:1]), ("all", schemas)):
        for figures in report[key]:
            check = common.check_inbox(figures, figures["run_id"], targets)
            if check["missing"] or check["duplicated"] or check["wrong_tenant"]:
                problems.append(f"inbox check failed: {check}")
            common.say(f"inbox check {figures['run_id']} ({len(targets)} tenant(s)): {check['acknowledged']} "
                       f"acknowledged, {check['missing']} missing, {check['duplicated']} stored twice, "
                       f"{check['wrong_tenant']} in the wrong tenant")
    for problem in problems:
        common.say("FAILED: " + problem)
    return problems


def summarize(report: dict, args) -> None:
    common.say("")
    for key, label in (("first", f"tenants 1-{args.timed}"), ("last", f"tenants {args.tenants - args.timed + 1}-"
                                                                     f"{args.tenants}")):
        values = report[key]
        median = statistics.median(values)
        common.say(f"create tenant ({label}): median {median:.3f} s, worst {max(values):.3f} s  "
                   f"({'meets' if median <= TARGET_CREATE_S else 'ABOVE'} the target of {TARGET_CREATE_S} s)")
    for key, count in (("page_few", args.timed), ("page_many", args.tenants)):
        for page, figures in report[key].items():
            common.say(f"Tenants page, {count} tenants, {page} ({figures['rows']} rows): "
                       f"median {figures['median_ms']:.1f} ms, worst {figures['max_ms']:.1f} ms, "
                       f"server CPU {figures['cpu_ms']:.1f} ms")
    one = statistics.median(f["rps"] for f in report["one"])
    spread = statistics.median(f["rps"] for f in report["all"])
    ratio = statistics.median(a["rps"] / o["rps"] for o, a in zip(report["one"], report["all"], strict=True))
    cpu = statistics.median(o["cpu_ms"] / a["cpu_ms"] for o, a in zip(report["one"], report["all"], strict=True))
    common.say(f"webhook, {args.tenants} tenants present: to 1 tenant {one:.1f} callbacks/s, "
               f"spread over all {spread:.1f} callbacks/s")
    common.say(f"ratio {args.tenants} tenants / 1 tenant (callbacks/s): {ratio:.2f}  "
               f"({'meets' if ratio >= TARGET_SCALE_RATIO else 'BELOW'} the target of {TARGET_SCALE_RATIO})")
    common.say(f"same, from server CPU per callback: {cpu:.2f}")


if __name__ == "__main__":
    sys.exit(main())
