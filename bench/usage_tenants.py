"""The system-wide Usage report at 200 tenants: one row per tenant, computed on demand.

    .venv/bin/python bench/usage_tenants.py [--tenants 200] [--messages 2000] [--rounds 5]

Creates its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_usage)
with --tenants tenants, each seeded with --messages messages like bench/messages_page.py (this month and the
end of the last), then times, in interleaved rounds:

- batched: messaging.selectors.usage.list_tenant_usage as the Usage screen and GET /api/v1/usage/ call it
  (SCHEMAS_PER_STATEMENT schemas' statements joined by UNION ALL, one round trip per batch);
- one statement: all tenants in one UNION ALL;
- per schema (the baseline): tenants.schemas.for_each_tenant and list_usage in each schema, one statement and
  one `SET search_path` per tenant, the way other cross-tenant work loops.

Prints the median and worst in milliseconds and the ratios against the per-schema loop. Checks that the three
give the same figures. Exits 1 when it could not measure. Drops the database unless --keep-database.
"""

import argparse
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_usage"


def create_tenants(count: int, messages: int) -> None:
    import messages_page
    from django_tenants.utils import tenant_context

    from tenants.services import create_tenant

    started = time.perf_counter()
    for index in range(count):
        with contextlib.redirect_stdout(io.StringIO()):
            tenant = create_tenant(name=f"Usage tenant {index:04d}", slug=f"usage-{index}")
        with tenant_context(tenant):
            messages_page.seed(messages=messages, admin_id=1, reader_id=2)
    common.say(f"{count} tenants of {messages:,} messages made in {time.perf_counter() - started:.0f} s")


def per_schema(month, zone) -> list[tuple]:
    from messaging.selectors import usage
    from tenants.schemas import for_each_tenant

    return [(tenant.pk, *usage.total(usage.list_usage(month=month, zone=zone)).as_dict().values())
            for tenant in for_each_tenant()]


def batched(month, tenants, per_statement: int | None = None) -> list[tuple]:
    from messaging.selectors import usage

    saved = usage.SCHEMAS_PER_STATEMENT
    usage.SCHEMAS_PER_STATEMENT = per_statement or saved
    try:
        return [(u.tenant.pk, *u.as_dict().values()) for u in usage.list_tenant_usage(month=month, tenants=tenants)]
    finally:
        usage.SCHEMAS_PER_STATEMENT = saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000, help="messages per tenant")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    database_url, env = common.bench_database_and_env(DATABASE_URL)
    try:
        common.recreate_database(database_url)
        common.prepare(env)
        create_tenants(args.tenants, args.messages)
        from django.db import connection
        from django.utils import timezone

        from messaging.selectors import usage
        from tenants.models import Tenant

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        zone = usage.usage_time_zone()
        now = timezone.now().astimezone(zone)
        month = usage.Month(now.year, now.month)
        tenants = list(Tenant.objects.customers().order_by("pk"))
        ways = {
            f"batched ({usage.SCHEMAS_PER_STATEMENT} a statement)": lambda: batched(month, tenants),
            "one statement": lambda: batched(month, tenants, per_statement=len(tenants)),
            "per schema (baseline)": lambda: sorted(per_schema(month, zone)),
        }
        answers = {name: sorted(way()) for name, way in ways.items()}  # warm, and the figures to compare
        if len({repr(answer) for answer in answers.values()}) != 1:
            raise common.CannotMeasure("the three ways disagree about the figures")
        timings = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, way in ways.items():
                started = time.perf_counter()
                way()
                timings[name].append((time.perf_counter() - started) * 1000)
            connection.set_schema_to_public()
    except common.CannotMeasure as exc:
        common.say(f"could not measure: {exc}")
        return 1
    finally:
        common.close_django_connections()
        if not args.keep_database:
            common.drop_database(database_url)
    baseline = statistics.median(timings["per schema (baseline)"])
    common.say(f"\nUsage of {month}, {args.tenants} tenants of {args.messages:,} messages, {args.rounds} rounds; "
               f"{common.machine()}; {common.load_average()}")
    common.say(f"{'way':<28} {'median ms':>10} {'worst ms':>9} {'/ per schema':>13}")
    for name, values in timings.items():
        median = statistics.median(values)
        common.say(f"{name:<28} {median:>10.0f} {max(values):>9.0f} {median / baseline:>13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
