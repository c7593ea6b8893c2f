"""Tenant scale: creating a tenant, the Tenants page and webhook throughput at 10,000 tenants.

    .venv/bin/python bench/tenants_scale.py [--tenants 10000] [--timed 50] [--checkpoint 1000] [--rounds 3]

On a fresh database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_tenants;
Redis: BENCH_REDIS_URL, default redis://127.0.0.1:6379/11, flushed at the end):

1. Creation: the first --timed tenants are created one after another with tenants.services.create_tenant
   (a copy of the template schema, tenants/schema_template.py) and each is timed. Then with --checkpoint
   tenants present and again with --tenants present, --rounds rounds of --round-size timed creations,
   and beside them --old-way creations of a schema the way django-tenants does it without a template
   (an empty schema and every migration run into it; dropped again), as the baseline of the same
   database. The tenants in between are created by --parallel processes, untimed. Every tenant gets a
   trunk, a DID and an SMS configuration with callback credentials (not part of the timing).
2. The Tenants page (GET /tenants/, first and last page, 50 rows a page) as a signed-in system
   administrator, with --timed tenants and, in each round, with all of them: gunicorn in production
   mode, sequential requests.
3. Webhook throughput at --tenants tenants: the same load (bench/wrk/callbacks.lua) once aimed at one
   tenant's webhook URL and once spread over every tenant's, interleaved rounds on the same server;
   every acknowledged event is then checked in its tenant's inbox (exactly once).

--keep-database leaves the populated database for bench/migrate_release.py.

Exit status: 0 measured (targets reported, not enforced); 1 could not measure; 2 an acknowledged event
is missing or stored twice.
"""

import argparse
import http.cookiejar
import io
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TARGET_CREATE_S = 0.2
TARGET_SCALE_RATIO = 0.9
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_tenants"
REDIS_URL = "redis://127.0.0.1:6379/11"
ADMIN, ADMIN_PASSWORD = "bench-sysadmin", "bench-Sysadmin-pass-42"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenants", type=int, default=10000)
    parser.add_argument("--timed", type=int, default=50,
                        help="tenants timed at the start (50: the first Tenants page is full)")
    parser.add_argument("--checkpoint", type=int, default=1000, help="tenants present at the middle measurement")
    parser.add_argument("--round-size", type=int, default=20, help="timed creations per round")
    parser.add_argument("--old-way", type=int, default=3, help="schemas migrated the old way per round")
    parser.add_argument("--parallel", type=int, default=2, help="processes creating the untimed tenants")
    parser.add_argument("--duration", type=int, default=10, help="seconds of webhook load per run")
    parser.add_argument("--rounds", type=int, default=3, help="measurement rounds (creations, pages, webhook)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--page-requests", type=int, default=30, help="GETs per Tenants page measurement")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--resume", action="store_true",
                        help="continue in the database a --keep-database run left "
                             "(BENCH_FIELD_ENCRYPTION_KEY: its key); stages already passed are not measured again")
    parser.add_argument("--create-range", nargs=2, type=int, help=argparse.SUPPRESS)  # a --parallel helper
    args = parser.parse_args()
    timed_total = args.timed + 2 * args.rounds * args.round_size
    if not args.timed + args.rounds * args.round_size <= args.checkpoint \
            or not args.checkpoint + timed_total <= args.tenants <= 20000 or not 1 <= args.timed <= 100:
        parser.error("--timed 1..100, --checkpoint above --timed + the timed rounds, --tenants up to 20000 and "
                     "above --checkpoint + the timed creations")
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


def old_way_creation(count: int, label: str) -> list[float]:
    """django-tenants' creation without a template: an empty schema, every tenant migration run into it
    (what create_tenant did before). Timed, then dropped: the baseline in the same database."""
    from django.db import connection
    from django_tenants.models import TenantMixin

    from tenants.models import Tenant

    seconds = []
    for index in range(count):
        schema = f"t_oldway_{label}_{index}"
        started = time.perf_counter()
        with redirect_stdout(io.StringIO()):
            TenantMixin.create_schema(Tenant(schema_name=schema), verbosity=0)
        seconds.append(time.perf_counter() - started)
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return seconds


def timed_rounds(args, first: int, label: str, present: int) -> tuple[list[list[float]], list[list[float]]]:
    """--rounds rounds of --round-size timed creations (from tenant `first`, with `present` tenants there
    before) and --old-way old-way ones."""
    new, old = [], []
    for round_number in range(args.rounds):
        start = first + round_number * args.round_size
        new.append(timed_creation(start, start + args.round_size - 1))
        old.append(old_way_creation(args.old_way, f"{label}_{round_number}"))
        common.say(f"  round {round_number + 1} at {present + round_number * args.round_size} tenants: copy median "
                   f"{statistics.median(new[-1]):.3f} s, old way median {statistics.median(old[-1]):.3f} s")
    return new, old


def fill_counts_and_paths(page_slugs: set[str] | None = None) -> tuple[list[str], list[str]]:
    """What the Tenants page shows (counts, as the periodic task leaves them: for the tenants of the pages
    measured, `page_slugs`, or all) and, in tenant order, each tenant's schema and webhook path."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from tenants.models import Tenant, WebhookEndpoint
    from tenants.tasks import refresh_tenant_counts

    tenants = sorted(Tenant.objects.customers(), key=lambda t: int(t.slug.rsplit("-", 1)[1]))
    for tenant in tenants:
        if page_slugs is None or tenant.slug in page_slugs:
            with tenant_context(tenant):
                refresh_tenant_counts()
    connection.set_schema_to_public()
    by_tenant = {e.tenant_id: e.path for e in WebhookEndpoint.objects.all()}
    tenants = [t for t in tenants if t.pk in by_tenant]  # a tenant an interrupted run created but did not seed
    return [t.schema_name for t in tenants], [by_tenant[t.pk] for t in tenants]


def measured_page_slugs() -> set[str]:
    """The tenants on the first and the last Tenants page (ordered by name, 50 a page)."""
    from tenants.models import Tenant

    slugs = list(Tenant.objects.customers().order_by("name").values_list("slug", flat=True))
    return set(slugs[:50] + slugs[-50:])


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
    report: dict = {"page_many": [], "one": [], "all": []}
    if os.environ.get("BENCH_FIELD_ENCRYPTION_KEY"):  # the stored secrets of a kept database
        env["FIELD_ENCRYPTION_KEY"] = os.environ["BENCH_FIELD_ENCRYPTION_KEY"]
    try:
        common.check_redis(redis_url)
        if args.resume:
            common.load_django(env)
            from tenants.models import Tenant

            slugs = list(Tenant.objects.customers().values_list("slug", flat=True))
            present, next_index = len(slugs), max(int(slug.rsplit("-", 1)[1]) for slug in slugs) + 1
            common.say(f"resuming with {present} tenants")
        else:
            common.recreate_database(database_url)
            common.prepare(env)
        common.manage(env, "collectstatic", "--noinput", "-v", "0")  # the pages need the static manifest
        with tempfile.TemporaryDirectory(prefix="bench-") as logs:
            if not args.resume:
                from django.contrib.auth import get_user_model

                get_user_model().objects.create_superuser(username=ADMIN, email="", password=ADMIN_PASSWORD)
                report["first"] = timed_creation(1, args.timed)
                common.say(f"created {args.timed} tenants, median {statistics.median(report['first']):.3f} s")
                fill_counts_and_paths()
                common.close_django_connections()
                with common.gunicorn(env, port, workers=args.workers,
                                     log_dir=Path(logs)) as server:
                    report["page_few"] = tenants_page(server, port, args.page_requests, args.timed, database_url)
                present, next_index = args.timed, args.timed + 1
            stages = (("checkpoint", args.checkpoint), ("end", args.tenants - args.rounds * args.round_size))
            for key, until in stages:
                if present > until:
                    continue  # passed before --resume
                more = until - present
                seconds = common.create_in_parallel(__file__, env, next_index, next_index + more - 1, args.parallel)
                common.say(f"created {more} more tenants with {args.parallel} processes in {seconds:.0f} s "
                           f"({more and seconds / more * args.parallel:.3f} s a tenant)")
                common.close_django_connections()
                next_index, present = next_index + more, until
                report[key], report[key + "_old"] = timed_rounds(args, next_index, key, present)
                timed = args.rounds * args.round_size
                next_index, present = next_index + timed, present + timed
            report["catalog"] = catalog_size()
            common.say(f"catalog with {present} tenants: {report['catalog']}")
            schemas, paths = fill_counts_and_paths(measured_page_slugs())
            common.close_django_connections()
            with common.gunicorn(env, port, workers=args.workers,
                                 log_dir=Path(logs)) as server:
                common.warm_up(port, paths[:1])
                for round_number in range(args.rounds):
                    report["page_many"].append(
                        tenants_page(server, port, args.page_requests, len(paths), database_url))
                    for key, targets in (("one", paths[:1]), ("all", paths)):
                        figures = common.measure(server, port, targets, database_url=database_url,
                                                 duration=args.duration, connections=args.connections)
                        report[key].append(figures)
                        common.say(common.summary_line(f"round {round_number + 1}, {len(targets)} tenant(s)", figures))
        common.say(f"after the load: {common.load_average()}")
        problems = verify(report, schemas)
        summarize(report, args, len(paths))
        return 2 if problems else 0
    except common.CannotMeasure as exc:
        common.say(f"COULD NOT MEASURE: {exc}")
        return 1
    finally:
        common.clean_up(database_url, redis_url, keep_database=args.keep_database)


def catalog_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'")
        schemas = cursor.fetchone()[0]
        cursor.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('pg_class') + "
                       "pg_total_relation_size('pg_attribute') + pg_total_relation_size('pg_index') + "
                       "pg_total_relation_size('pg_constraint') + pg_total_relation_size('pg_depend') + "
                       "pg_total_relation_size('pg_type')), pg_size_pretty(pg_database_size(current_database())) "
                       "FROM pg_class")
        relations, catalog, database = cursor.fetchone()
    return f"{schemas} tenant schemas, {relations} relations, main catalogs {catalog}, database {database}"


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


def _spread(values: list[float], fmt: str = "{:.3f}") -> str:
    return f"median {fmt.format(statistics.median(values))}, range {fmt.format(min(values))}-{fmt.format(max(values))}"


def summarize(report: dict, args, tenants: int) -> None:
    say = common.say
    say("")
    if "first" in report:
        say(f"create tenant, tenants 1-{args.timed} (0-{args.timed - 1} present): "
            f"median {statistics.median(report['first']):.3f} s, worst {max(report['first']):.3f} s")
    for key, present in (("checkpoint", args.checkpoint), ("end", args.tenants - args.rounds * args.round_size)):
        if key not in report:
            continue
        medians = [statistics.median(r) for r in report[key]]
        old = [statistics.median(r) for r in report[key + "_old"]]
        ratios = [n / o for n, o in zip(medians, old, strict=True)]
        say(f"create tenant with {present:,} present, median per round of {args.round_size}: {_spread(medians)} s "
            f"({'meets' if statistics.median(medians) <= TARGET_CREATE_S else 'ABOVE'} the target of "
            f"{TARGET_CREATE_S} s)")
        say(f"  old way (every migration into an empty schema), median per round of {args.old_way}: "
            f"{_spread(old)} s; copy / old way: {_spread(ratios, '{:.2f}')}")
    if "checkpoint" in report:
        growth = [e / c for e, c in zip([statistics.median(r) for r in report["end"]],
                                        [statistics.median(r) for r in report["checkpoint"]], strict=True)]
        say(f"growth from {args.checkpoint:,} to {args.tenants:,} tenants (round by round): "
            f"{_spread(growth, '{:.2f}')}")
    for page, figures in report.get("page_few", {}).items():
        say(f"Tenants page, {args.timed} tenants, {page} ({figures['rows']} rows): "
            f"median {figures['median_ms']:.1f} ms, server CPU {figures['cpu_ms']:.1f} ms")
    for page in ("first page", "last page"):
        rounds = [r[page] for r in report["page_many"]]
        say(f"Tenants page, {tenants:,} tenants, {page} ({rounds[0]['rows']} rows), median per round: "
            f"{_spread([r['median_ms'] for r in rounds], '{:.1f}')} ms, server CPU "
            f"{_spread([r['cpu_ms'] for r in rounds], '{:.1f}')} ms")
    one = [f["rps"] for f in report["one"]]
    spread = [f["rps"] for f in report["all"]]
    ratios = [a / o for o, a in zip(one, spread, strict=True)]
    cpu = [o["cpu_ms"] / a["cpu_ms"] for o, a in zip(report["one"], report["all"], strict=True)]
    say(f"webhook, {tenants:,} tenants present: to 1 tenant {_spread(one, '{:.1f}')} callbacks/s, "
        f"spread over all {_spread(spread, '{:.1f}')} callbacks/s")
    say(f"ratio {tenants:,} tenants / 1 tenant (callbacks/s), per round: {_spread(ratios, '{:.2f}')}  "
        f"({'meets' if statistics.median(ratios) >= TARGET_SCALE_RATIO else 'BELOW'} the target of "
        f"{TARGET_SCALE_RATIO})")
    say(f"same, from server CPU per callback: {_spread(cpu, '{:.2f}')}")
    say(f"catalog: {report['catalog']}")


if __name__ == "__main__":
    sys.exit(main())
