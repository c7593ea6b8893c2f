"""Ordinary requests on the web process: the connection pool (DB_POOL_SIZE, set by the process table) against
no pool, in the same run on the same server.

    .venv/bin/python bench/web_requests.py [--requests 600] [--runs 3]

Creates its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_web) with
one tenant and an administrator's API token, then, interleaved per run: the production web process (2 workers)
with its pool, and the same with DB_POOL_SIZE=0; each answers `--requests` sequential
`GET /t/bench-1/api/v1/extensions/`. Prints web CPU per request (gunicorn master and workers, from /proc) and
the median latency; exits 1 when it could not measure. Drops the database afterwards.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_web"
REDIS_URL = "redis://127.0.0.1:6379/9"
VARIANTS = {"pool (production)": {}, "no pool (DB_POOL_SIZE=0)": {"DB_POOL_SIZE": "0"}}


def admin_token() -> str:
    from django.contrib.auth import get_user_model

    from accounts.services.api_tokens import create_api_token
    from tenants.models import Membership, Tenant

    user = get_user_model().objects.create_user(username="bench-admin", password=None)  # token only
    Membership.objects.create(user=user, tenant=Tenant.objects.get(slug="bench-1"), role=Membership.Role.ADMIN)
    return create_api_token(user=user, label="bench")[1]


def one_round(env: dict, port: int, token: str, requests: int, log_dir: Path) -> tuple[float, float]:
    """(web CPU ms per request, median latency ms)."""
    url = f"http://127.0.0.1:{port}/t/bench-1/api/v1/extensions/"
    ask = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with common.gunicorn(env, port, workers=2, log_dir=log_dir) as server:
        for _ in range(20):
            urllib.request.urlopen(ask, timeout=10).read()
        before, _ = common.server_cpu(server, env["DATABASE_URL"])
        latencies = []
        for _ in range(requests):
            start = time.perf_counter()
            with urllib.request.urlopen(ask, timeout=10) as answer:
                answer.read()
                if answer.status != 200:
                    raise common.CannotMeasure(f"answered {answer.status}")
            latencies.append(time.perf_counter() - start)
        after, _ = common.server_cpu(server, env["DATABASE_URL"])
    return (after - before) * 1000 / requests, statistics.median(latencies) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    port = common.free_port()
    env = common.production_env(database_url, redis_url, port)
    try:
        common.check_redis(redis_url, flush=True)
        common.recreate_database(database_url)
        common.prepare(env)
        common.seed_tenant(1)
        token = admin_token()
        common.close_django_connections()
        common.say(common.machine(), common.load_average())
        figures = {name: [] for name in VARIANTS}
        with tempfile.TemporaryDirectory() as logs:
            for run in range(1, args.runs + 1):
                for name, extra in VARIANTS.items():
                    cpu, latency = one_round(env | extra, port, token, args.requests, Path(logs))
                    figures[name].append((cpu, latency))
                    common.say(f"run {run}: {name}: {cpu:.1f} ms web CPU per request, median {latency:.1f} ms")
        for name, rows in figures.items():
            cpus, latencies = [row[0] for row in rows], [row[1] for row in rows]
            common.say(f"{name}: web CPU per request median {statistics.median(cpus):.1f} ms "
                       f"({min(cpus):.1f}-{max(cpus):.1f}); latency median {statistics.median(latencies):.1f} ms "
                       f"({min(latencies):.1f}-{max(latencies):.1f})")
        pooled = statistics.median(row[0] for row in figures["pool (production)"])
        plain = statistics.median(row[0] for row in figures["no pool (DB_POOL_SIZE=0)"])
        common.say(f"ratio web CPU pool / no pool: {pooled / plain:.2f}")
        return 0
    except common.CannotMeasure as exc:
        common.say(f"cannot measure: {exc}")
        return 1
    finally:
        common.clean_up(database_url, redis_url)


if __name__ == "__main__":
    sys.exit(main())
