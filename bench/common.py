"""Shared parts of the benchmarks under bench/: a throw-away database, production settings, seeding,
gunicorn, wrk with bench/wrk/callbacks.lua, and the check that every acknowledged event is stored once.

Everything here talks to 127.0.0.1 only, and stops what it started.
"""

import base64
import io
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = ROOT / "bench" / "wrk" / "callbacks.lua"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
CALLBACK_USER, CALLBACK_PASSWORD = "bandwidth-bench", "bench-callback-secret-42"
RAW_TABLE = "public.bench_raw_callback"


class CannotMeasure(Exception):
    """The benchmark could not produce a figure (exit status 1)."""


def say(*parts) -> None:
    print(*parts, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database_url: str, redis_url: str, port: int, *, baselines: bool = False) -> dict:
    """The portal's settings as in production (DEBUG off, every secret given); with `baselines`, the
    settings of devtools/bench_settings.py, which add the baseline endpoints of devtools/bench_baselines.py."""
    from cryptography.fernet import Fernet

    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    return env | {
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PORTAL_BASE_URL": base,
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
        # One API token drives thousands of requests a second: measured is the portal, not its throttle.
        "API_THROTTLE_RATE": "1000000/second",
        "DJANGO_SETTINGS_MODULE": "devtools.bench_settings" if baselines else "portal.settings",
    }


def bench_database_and_env(default_database_url: str) -> tuple[str, dict]:
    """The benchmark's database (BENCH_DATABASE_URL, else `default_database_url`) and the production
    environment of its processes on it, with BENCH_REDIS_URL and a free port."""
    database_url = os.environ.get("BENCH_DATABASE_URL", default_database_url)
    return database_url, production_env(database_url, os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
                                        free_port())


def process_command(name: str, *extra: str) -> list[str]:
    """A process of the portal's one table (portal/processes.py), with the benchmark's options added:
    `python -m portal.processes web|worker|beat ...`, run by the benchmark's Python."""
    return [PYTHON, "-m", "portal.processes", name, *extra]


def load_average() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {system}"


# --- database --------------------------------------------------------------------------------------

def _admin_connection(database_url: str):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(database_url)
    name = info.pop("dbname")
    host = str(info.get("host", ""))
    if host and not host.startswith("/") and host not in {"127.0.0.1", "localhost", "::1"}:
        raise CannotMeasure(f"refusing a database on {host}: benchmarks run against 127.0.0.1 only")
    return psycopg.connect(make_conninfo(**info, dbname="postgres"), autocommit=True), name


def recreate_database(database_url: str) -> None:
    try:
        admin, name = _admin_connection(database_url)
    except Exception as exc:  # psycopg.OperationalError and friends: say why and stop
        raise CannotMeasure(f"PostgreSQL is not reachable ({exc})") from exc
    with admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    admin, name = _admin_connection(database_url)
    with admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def manage(env: dict, *args: str) -> None:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CannotMeasure(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def load_django(env: dict) -> None:
    """Django in this process, on the benchmark's database and settings (for seeding and checks)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(env: dict) -> None:
    """Migrate the fresh database, load Django here, add the public tenant and the raw baseline's table."""
    manage(env, "migrate_schemas", "--shared", "-v", "0")
    load_django(env)
    from django.db import connection

    from tenants.services import ensure_public_tenant

    ensure_public_tenant()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} (id bigserial PRIMARY KEY, body text NOT NULL)")


def seed_tenant(index: int, *, create=None) -> tuple[str, str]:
    """Tenant `bench-<index>` with a trunk, a DID and an SMS configuration (callback credentials set).

    Returns (schema name, webhook path). `create` replaces tenants.services.create_tenant (timing)."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from messaging.models import Trunk
    from messaging.services.configuration import sms_configurations
    from tenants.models import WebhookEndpoint
    from tenants.services import create_tenant

    with redirect_stdout(io.StringIO()):  # django-tenants prints every migration it applies
        tenant = (create or create_tenant)(name=f"Bench tenant {index:04d}", slug=f"bench-{index}")
    with tenant_context(tenant):
        trunk = Trunk.objects.create(name="BW trunk", host="sip.example.net")
        trunk.numbers.create(number="+19195550100")
        configuration = sms_configurations.create_configuration(
            user=None, name="Main SMS", trunk=trunk, sender_id="", account_id="9900123",
            application_id="93de2206-9669-4e07-948d-329f4b722ee2", auth_type="oauth",
            username="client-id-123", password="s3cret-Client-Secret-value-42",  # noqa: S106
            callback_username=CALLBACK_USER, callback_password=CALLBACK_PASSWORD, enabled=True,
        )
    connection.set_schema_to_public()
    endpoint = WebhookEndpoint.objects.get(tenant=tenant, configuration_id=configuration.pk)
    return tenant.schema_name, endpoint.path


def close_django_connections() -> None:
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


def check_redis(redis_url: str, *, flush: bool = False) -> None:
    """Redis answers (or CannotMeasure); with flush, empty the benchmark's database index."""
    import redis

    try:
        with redis.Redis.from_url(redis_url, socket_connect_timeout=2) as client:
            client.flushdb() if flush else client.ping()
    except redis.RedisError as exc:
        raise CannotMeasure(f"Redis is not reachable at {redis_url} ({exc})") from exc


def flush_redis(redis_url: str) -> None:
    check_redis(redis_url, flush=True)


# --- the server ------------------------------------------------------------------------------------

@contextmanager
def gunicorn(env: dict, port: int, *, workers: int, log_dir: Path, worker_class: str | None = None,
             threads: int | None = None):
    """The production web process (`python -m portal.processes web`: gunicorn serving portal.asgi with
    uvicorn workers) bound to 127.0.0.1, with the benchmark's worker count and log files; stopped on exit.
    `worker_class`/`threads` replace the production worker (e.g. to compare); a WSGI class needs the
    portal.wsgi application, which only a command of its own gives."""
    options = ["--worker-class", worker_class] if worker_class else []
    options += ["--threads", str(threads)] if threads else []
    args = process_command("web", "--workers", str(workers), *options, "--backlog", "2048", "--access-logfile",
                           str(log_dir / "access.log"), "--error-logfile", str(log_dir / "error.log"))
    server = subprocess.Popen(args, cwd=ROOT, env=env | {"WEB_BIND": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log = (log_dir / "error.log").read_text()[-3000:] if (log_dir / "error.log").exists() else ""
                raise CannotMeasure(f"gunicorn did not start:\n{log}")
            time.sleep(0.3)
        yield server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop; its workers follow
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


@contextmanager
def profiled(server: subprocess.Popen, out: Path | None, duration: int):
    """py-spy (pip install py-spy; not a project dependency) samples every worker while the load runs."""
    if out is None:
        yield
        return
    py_spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    spy = subprocess.Popen([py_spy, "record", "--pid", str(server.pid), "--subprocesses", "--rate", "200",
                            "--duration", str(duration), "--format", "raw", "--output", str(out), "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.wait(timeout=duration + 60)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # gone
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_cpu(server: subprocess.Popen, database_url: str) -> tuple[float, float]:
    """CPU seconds used so far by gunicorn (master and workers) and the PostgreSQL backends serving the
    benchmark database: the cost side of the figures, which other load on the machine does not inflate.
    Returns (gunicorn seconds, PostgreSQL seconds)."""
    import psycopg

    pids = [server.pid]
    for child in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(child.read_text().rsplit(")", 1)[1].split()[1]) == server.pid:
                pids.append(int(child.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    with psycopg.connect(database_url, autocommit=True) as probe:
        backends = probe.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()").fetchall()
    return sum(map(_cpu_seconds, pids)), sum(_cpu_seconds(row[0]) for row in backends)


def warm_up(port: int, paths: list[str], body: bytes = b"[]") -> None:
    """One request per worker-ish to every path, so imports and connections are made before timing."""
    for path in paths[:8] * 4:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except OSError:
            pass  # 400/401 on purpose: only the code paths' imports matter here


# --- the load --------------------------------------------------------------------------------------

def wrk(port: int, paths: list[str], *, run_id: str, duration: int, connections: int, auth: bool) -> dict:
    """Run wrk with callbacks.lua: one connection per wrk thread, so the script knows which request each
    answer belongs to. Returns the script's JSON: requests/s, latency, errors, and what was acknowledged."""
    if shutil.which("wrk") is None:
        raise CannotMeasure("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        paths_file = Path(tmp) / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        basic = "Basic " + base64.b64encode(f"{CALLBACK_USER}:{CALLBACK_PASSWORD}".encode()).decode()
        env = dict(os.environ, BENCH_PATHS_FILE=str(paths_file), BENCH_RUN=run_id, BENCH_AUTH=basic if auth else "")
        command = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
                   "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{port}"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + 60)
    marker = "BENCH-JSON "
    line = next((line for line in result.stdout.splitlines() if line.startswith(marker)), None)
    if result.returncode != 0 or line is None:
        raise CannotMeasure(f"wrk failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    figures = json.loads(line[len(marker):])
    if figures["acked"] == 0:
        raise CannotMeasure(f"no request was answered with 2xx (status errors: {figures['errors']})")
    return figures


def measure(server, port: int, paths: list[str], *, database_url: str, duration: int, connections: int,
            profile: Path | None = None) -> dict:
    """One wrk run with the server's CPU per acknowledged callback (gunicorn and PostgreSQL, in ms)."""
    run_id = f"b{secrets.token_hex(3)}"
    before = server_cpu(server, database_url)
    with profiled(server, profile, duration):
        figures = wrk(port, paths, run_id=run_id, duration=duration, connections=connections, auth=True)
    after = server_cpu(server, database_url)
    app_ms, db_ms = (1000 * (a - b) / figures["acked"] for a, b in zip(after, before, strict=True))
    return figures | {"run_id": run_id, "cpu_ms": app_ms + db_ms, "app_cpu_ms": app_ms, "db_cpu_ms": db_ms}


def acknowledged_ids(figures: dict, run_id: str) -> dict[str, int]:
    """Message id -> path index of every event the server answered 2xx (as callbacks.lua names them)."""
    ids: dict[str, int] = {}
    paths = figures["paths"]
    for thread in figures["threads"]:
        tid, sent, failed = thread["tid"], thread["sent"], set(thread["failed"])
        if thread["waiting"]:
            failed.add(sent)
        for n in range(1, sent + 1):
            if n not in failed:
                ids[f"{run_id}-{tid}-{n}"] = (n + tid) % paths
    return ids


def check_inbox(figures: dict, run_id: str, schemas: list[str]) -> dict:
    """Every acknowledged event is in its tenant's inbox exactly once. Returns counts for the report."""
    from django.db import connection

    acked = acknowledged_ids(figures, run_id)
    found: dict[str, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        for index, schema in enumerate(schemas):
            cursor.execute(
                f'SELECT carrier_message_id, count(*) FROM "{schema}".messaging_webhookevent '
                "WHERE carrier_message_id LIKE %s GROUP BY 1", [run_id + "-%"])
            for message_id, count in cursor.fetchall():
                previous = found.get(message_id, (index, 0))
                found[message_id] = (index if previous[1] == 0 else -1, previous[1] + count)
    missing = [m for m in acked if m not in found]
    twice = [m for m, (_, count) in found.items() if count != 1]
    misplaced = [m for m, (index, _) in found.items() if m in acked and index != acked[m]]
    return {"acknowledged": len(acked), "stored": len(found), "missing": len(missing), "duplicated": len(twice),
            "wrong_tenant": len(misplaced), "stored_unacknowledged": len(set(found) - set(acked)),
            "examples": (missing + twice + misplaced)[:5]}


def summary_line(label: str, figures: dict) -> str:
    bad = errors_of(figures)
    cpu = f"  server CPU {figures['cpu_ms']:.2f} ms/callback" if "cpu_ms" in figures else ""
    return (f"{label:<24} {figures['rps']:8.1f}/s  p50 {figures['p50_ms']:6.2f} ms  p99 {figures['p99_ms']:7.2f} ms"
            f"  ok {figures['acked']:>6}  errors {bad}{cpu}")


def errors_of(figures: dict) -> int:
    errors = figures["errors"]
    return errors["connect"] + errors["read"] + errors["write"] + errors["timeout"] + figures["non_2xx"]


def clean_up(database_url: str, redis_url: str, *, keep_database: bool = False) -> None:
    """What every benchmark does last: close its connections, flush its Redis, drop its database (unless
    kept). A failure here is said, not raised: cleanup must not hide the figures."""
    close_django_connections()
    try:
        flush_redis(redis_url)
        if not keep_database:
            drop_database(database_url)
    except Exception as exc:  # say what is left behind
        say(f"cleanup failed: {exc}")


def create_in_parallel(script: str, env: dict, first: int, last: int, processes: int) -> float:
    """Tenants first..last made by `processes` runs of `script --create-range A B` (each script's own helper
    mode); returns the wall time. CannotMeasure with a helper's error output when one fails."""
    if last < first:
        return 0.0
    started = time.perf_counter()
    bounds = [first + (last - first + 1) * part // processes for part in range(processes + 1)]
    helpers = [subprocess.Popen([PYTHON, script, "--create-range", str(a), str(b - 1)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    failures = [helper.stderr.read()[-2000:] for helper in helpers if helper.wait() != 0]
    if failures:
        raise CannotMeasure("creating tenants failed:\n" + failures[0])
    return time.perf_counter() - started
