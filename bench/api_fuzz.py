"""schemathesis over the portal's OpenAPI (/api/schema/): query parameters, headers, path ids and bodies
fuzzed (valid and invalid data), against a production-mode server; prints how many answers were 5xx.

    .venv/bin/python bench/api_fuzz.py [--max-examples 100] [--max-time 600]

Needs schemathesis (pip install schemathesis; not a project dependency). Builds a fresh database
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_api_fuzz), seeds one tenant
(`bench-1`) with a trunk, an SMS configuration, an extension and a message, signs a system administrator in
with a token, starts gunicorn as bench/common.py does, pins the `{tenant}` path parameter to bench-1 and
lets schemathesis run every operation (both system and tenant API). The 5xx count is read from gunicorn's
access log, so an answer schemathesis does not flag as a failure is counted too. Issue 10's target: 0.

Exit status: 0 no 5xx; 1 could not measure; 2 at least one 5xx (listed).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_api_fuzz"
REDIS_URL = "redis://127.0.0.1:6379/10"
# gunicorn's default access log: ... "GET /path HTTP/1.1" 500 ...
ACCESS_LINE = re.compile(r'"(?P<request>[A-Z]+ \S+ HTTP/[\d.]+)" (?P<status>\d{3}) ')


def seed_token() -> str:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts.services.api_tokens import create_api_token
    from messaging.models import Extension, Message, SmsConfiguration

    admin = get_user_model().objects.create_superuser(username="fuzz-admin", email="", password="x" * 20)
    with schema_context("bench_1" if _schema_exists("bench_1") else _first_tenant_schema()):
        configuration = SmsConfiguration.objects.get()
        extension = Extension.objects.create(number="101", name="Fuzz")
        Message.objects.create(direction="out", status="sent", extension=extension, sms_configuration=configuration,
                               from_number="+19195550100", to_numbers=["+19195550199"], text="Hello", segments=1)
    connection.set_schema_to_public()
    return create_api_token(user=admin, label="bench")[1]


def _schema_exists(name: str) -> bool:
    from tenants.models import Tenant

    return Tenant.objects.filter(schema_name=name).exists()


def _first_tenant_schema() -> str:
    from tenants.models import Tenant

    return Tenant.objects.customers().get().schema_name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=100, help="examples per operation and phase")
    parser.add_argument("--max-time", type=int, default=600, help="time budget of the schemathesis run, seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()
    st = shutil.which("st", path=str(Path(common.PYTHON).parent)) or shutil.which("st")
    if st is None:
        common.say("COULD NOT MEASURE: schemathesis is not installed (pip install schemathesis)")
        return 1
    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    port = common.free_port()
    env = common.production_env(database_url, redis_url, port)
    common.say(f"machine: {common.machine()}; {common.load_average()}")
    try:
        common.check_redis(redis_url)
        common.recreate_database(database_url)
        common.prepare(env)
        common.manage(env, "collectstatic", "--noinput", "-v", "0")  # the HTML 404 pages need the manifest
        common.seed_tenant(1)
        token = seed_token()
        common.close_django_connections()
        with tempfile.TemporaryDirectory(prefix="bench-") as logs, common.gunicorn(
            env, port, workers=args.workers, log_dir=Path(logs)
        ):
            config = Path(logs) / "schemathesis.toml"
            config.write_text('[parameters]\n"path.tenant" = "bench-1"\n')
            command = [st, "--config-file", str(config), "run", f"http://127.0.0.1:{port}/api/schema/",
                       "--url", f"http://127.0.0.1:{port}", "-H", f"Authorization: Token {token}",
                       "--checks", "not_a_server_error", "--mode", "all", "--max-examples", str(args.max_examples),
                       "--max-time", str(args.max_time), "--generation-allow-x00", "true",
                       "--request-timeout", "30", "--continue-on-failure", "--no-color"]
            common.say("running: st run ... (" + " ".join(command[5:]) + ")")
            run = subprocess.run(command, cwd=logs, capture_output=True, text=True,
                                 env=env | {"SCHEMATHESIS_HOOKS": ""}, timeout=args.max_time + 300)
            output = run.stdout.strip().splitlines()
            start = next((i for i, line in enumerate(output) if "FAILURES" in line or "ERRORS" in line), None)
            tail = output[start:][-120:] if start is not None else output[-25:]
            common.say("schemathesis said (last lines):\n  " + "\n  ".join(tail))
            lines = (Path(logs) / "access.log").read_text(errors="replace").splitlines()
        answers = [match for line in lines if (match := ACCESS_LINE.search(line))]
        server_errors = [m for m in answers if m["status"].startswith("5")]
        by_status: dict[str, int] = {}
        for match in answers:
            by_status[match["status"]] = by_status.get(match["status"], 0) + 1
        common.say(f"requests answered: {len(answers)}; by status: {dict(sorted(by_status.items()))}")
        common.say(f"5xx answers: {len(server_errors)}")
        for match in server_errors[:20]:
            common.say(f"  {match['status']} {match['request'][:200]}")
        return 2 if server_errors else 0
    except common.CannotMeasure as exc:
        common.say(f"COULD NOT MEASURE: {exc}")
        return 1
    finally:
        common.clean_up(database_url, redis_url)


if __name__ == "__main__":
    sys.exit(main())
