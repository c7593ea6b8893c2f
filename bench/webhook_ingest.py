"""Webhook ingest: Bandwidth callbacks per second into one tenant, against two baselines on the same server.

    .venv/bin/python bench/webhook_ingest.py [--duration 10] [--rounds 3] [--connections 16] [--workers 4]

Builds a fresh database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_webhook),
migrates it, seeds one tenant with an SMS configuration (callback credentials set), starts gunicorn in
production mode (DEBUG off) with the baseline endpoints added (settings devtools.bench_settings), and
loads three endpoints with wrk for the same time each, in interleaved rounds, with the same Bandwidth-shaped bodies
(message-received and message-delivered, every event unique) and the same Basic credentials:

    bare      /bench/bare/<token>/      answers 200, no SQL in the view
    raw       /bench/raw/<token>/       one INSERT of the raw body (autocommit, durable)
    webhook   /webhooks/bandwidth/<token>/  the real thing

Then checks that every event the webhook acknowledged is in the tenant's inbox exactly once. Celery is
not running: the webhook's publishes wait in Redis (BENCH_REDIS_URL, default db 10), flushed at the end.

Exit status: 0 measured (targets are reported, not enforced); 1 could not measure; 2 an acknowledged
event is missing or stored twice.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TARGET_RAW_RATIO = 0.8
TARGET_P99_MS = 50.0
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_webhook"
REDIS_URL = "redis://127.0.0.1:6379/10"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="bare/raw/webhook rounds, interleaved")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (one wrk thread each)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default=None,
                        help="gunicorn worker class (default: the production one, uvicorn serving portal.asgi)")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn threads per worker (gthread)")
    parser.add_argument("--only", choices=["bare", "raw", "webhook"], action="append",
                        help="load only these endpoints (repeatable; the ratios need all three)")
    parser.add_argument("--profile", type=Path, help="folder for py-spy profiles (collapsed stacks) per endpoint")
    parser.add_argument("--keep-database", action="store_true", help="leave the database for a look afterwards")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    if not 1 <= args.duration <= 300 or not 1 <= args.rounds <= 10 or not 1 <= args.connections <= 256:
        parser.error("--duration 1..300, --rounds 1..10, --connections 1..256")
    return args


def main() -> int:
    args = parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    port = common.free_port()
    env = common.production_env(database_url, redis_url, port, baselines=True)
    endpoints = args.only or ["bare", "raw", "webhook"]
    common.say(f"machine: {common.machine()}; {common.load_average()}")
    common.say(f"server:  gunicorn --workers {args.workers} --worker-class {args.worker_class or 'production'} "
               f"--threads {args.threads or 1}; load: wrk, {args.connections} connections, {args.duration} s x "
               f"{args.rounds} round(s) per endpoint")
    try:
        common.check_redis(redis_url)
        common.recreate_database(database_url)
        common.prepare(env)
        schema, webhook_path = common.seed_tenant(1)
        common.close_django_connections()
        token = webhook_path.rstrip("/").rsplit("/", 1)[1]
        paths = {"bare": f"/bench/bare/{token}/", "raw": f"/bench/raw/{token}/", "webhook": webhook_path}
        results: dict[str, list[dict]] = {name: [] for name in endpoints}
        with tempfile.TemporaryDirectory(prefix="bench-") as logs, common.gunicorn(
            env, port, workers=args.workers, worker_class=args.worker_class, threads=args.threads, log_dir=Path(logs)
        ) as server:
            common.warm_up(port, [paths[name] for name in endpoints])
            for round_number in range(args.rounds):
                for name in endpoints:
                    profile = args.profile / f"{name}-{round_number + 1}.txt" if args.profile else None
                    figures = common.measure(server, port, [paths[name]], database_url=database_url,
                                             duration=args.duration, connections=args.connections, profile=profile)
                    results[name].append(figures)
                    common.say(common.summary_line(f"round {round_number + 1} {name}", figures))
        common.say(f"after the load: {common.load_average()}")
        problems = verify(results, schema)
        report(results)
        return 2 if problems else 0
    except common.CannotMeasure as exc:
        common.say(f"COULD NOT MEASURE: {exc}")
        return 1
    finally:
        common.clean_up(database_url, redis_url, keep_database=args.keep_database)


def verify(results: dict, schema: str) -> list[str]:
    """The webhook: every acknowledged event stored once. The raw baseline: as many rows as 2xx answers."""
    from django.db import connection

    problems = []
    for figures in results.get("webhook", []):
        check = common.check_inbox(figures, figures["run_id"], [schema])
        common.say(f"inbox check {figures['run_id']}: {check['acknowledged']} acknowledged, {check['stored']} stored "
                   f"({check['stored_unacknowledged']} of them unanswered when the load stopped), "
                   f"{check['missing']} missing, {check['duplicated']} stored twice")
        if check["missing"] or check["duplicated"] or check["wrong_tenant"]:
            problems.append(f"inbox check failed: {check}")
    if results.get("raw"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {common.RAW_TABLE}")
            rows = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {common.RAW_TABLE}")
        acked = sum(figures["acked"] for figures in results["raw"])
        if rows < acked:
            problems.append(f"raw baseline: {acked} acknowledged but only {rows} rows")
    for problem in problems:
        common.say("FAILED: " + problem)
    return problems


def report(results: dict) -> None:
    """Per endpoint the median over rounds; ratios are medians of per-round ratios (neighbouring runs,
    so drift in the machine's other load cancels out as far as it can)."""
    common.say("")
    common.say(f"{'endpoint':<9} {'callbacks/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'CPU ms/cb':>9}"
               f" {'(app+db)':>11}   callbacks/s per round")
    common.say("(medians over the rounds; CPU: gunicorn + PostgreSQL backends, per acknowledged callback)")
    for name, rounds in results.items():
        def med(key: str, rounds=rounds) -> float:
            return statistics.median(figures[key] for figures in rounds)

        typical = sorted(rounds, key=lambda figures: figures["cpu_ms"])[len(rounds) // 2]
        split = f"({typical['app_cpu_ms']:.2f}+{typical['db_cpu_ms']:.2f})"
        common.say(f"{name:<9} {med('rps'):11.1f} {med('p50_ms'):7.2f} {med('p99_ms'):7.2f} "
                   f"{sum(common.errors_of(f) for f in rounds):6d} {med('cpu_ms'):9.2f} "
                   f"{split:>11}   "
                   f"{[round(f['rps']) for f in rounds]}")
    if {"bare", "raw", "webhook"} <= results.keys():
        def ratio(baseline: str, key: str, inverse: bool = False) -> float:
            pairs = zip(results["webhook"], results[baseline], strict=True)
            return statistics.median((b[key] / w[key]) if inverse else (w[key] / b[key]) for w, b in pairs)

        raw = ratio("raw", "rps")
        common.say(f"ratio webhook / bare endpoint (callbacks/s):            {ratio('bare', 'rps'):.2f}")
        common.say(f"ratio webhook / durable-insert endpoint (callbacks/s):  {raw:.2f}  "
                   f"({'meets' if raw >= TARGET_RAW_RATIO else 'BELOW'} the target of {TARGET_RAW_RATIO})")
        cpu = ratio("raw", "cpu_ms", inverse=True)
        common.say(f"same, from server CPU per callback (durable / webhook): {cpu:.2f}")
    if "webhook" in results:
        p99 = statistics.median(figures["p99_ms"] for figures in results["webhook"])
        common.say(f"webhook p99 latency: {p99:.1f} ms  "
                   f"({'meets' if p99 <= TARGET_P99_MS else 'ABOVE'} the target of {TARGET_P99_MS:.0f} ms)")
    common.say("(processing is asynchronous: the Celery tasks were queued in Redis, not run; not in these figures)")


if __name__ == "__main__":
    sys.exit(main())
