"""Shared parts of the outbound benchmarks (outbound_dispatch.py, faults.py, rate_limit.py).

A run owns everything it measures: a throw-away database, its own redis-server (persistence off), the
Bandwidth simulator as a separate process, Celery workers (and beat), gunicorn when the API is used.
`Stack` starts them, each in its own session, and stops every one of them (by process group) on exit,
also after a failure, Ctrl-C or SIGTERM. Everything listens on 127.0.0.1 only.
"""

import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import PYTHON, ROOT, CannotMeasure, say  # noqa: E402,F401 - re-exported for the scripts

ACCOUNT_ID = "9900123"
APPLICATION_ID = "5d1f3e0a-6b2c-4f7e-9a41-0c8d2b7e6f10"
CLIENT_ID, CLIENT_SECRET = "bench-client-id", "bench-client-secret-42"
FINAL = ("sent", "delivered", "failed")


@contextmanager
def log_dir(keep: Path | None, prefix: str):
    """The folder for the processes' logs: `keep` (created, left behind) or a temporary one."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)


def database_url(name: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{name}")


def raise_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C, so the finally blocks stop what was started."""
    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def wait_until(check, *, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except CannotMeasure:
            raise
        except Exception:  # noqa: BLE001 - not up yet, whatever the reason
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise CannotMeasure(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(every)


def http_json(url: str, data=None, method: str | None = None, timeout: float = 30):
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, method=method or ("POST" if body else "GET"),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read() or b"null")


class Stack:
    """The processes of one run. Use as a context manager; `stop_all` runs on exit whatever happened."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.children: dict[str, subprocess.Popen] = {}
        self.env: dict = {}
        self.redis_port = common.free_port()
        self.sim_port = common.free_port()
        self.web_port = common.free_port()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()

    # --- processes ---------------------------------------------------------------------------------

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        child = subprocess.Popen(args, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.children[name] = child
        return child

    def kill(self, name: str) -> None:
        """SIGKILL the child and everything in its process group (a machine that dies)."""
        child = self.children.pop(name)
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()

    def stop(self, name: str, timeout: float = 20) -> None:
        child = self.children.pop(name, None)
        if child is None:
            return
        try:
            os.killpg(child.pid, signal.SIGTERM)
            child.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        # Pool processes of a Celery worker may outlive their parent for a moment.
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        # Newest first, Redis last (a restart re-adds it): workers stop cleanly while the broker is up.
        for name in sorted(reversed(list(self.children)), key=lambda name: name == "redis"):
            try:
                self.stop(name)
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                say(f"could not stop {name}: {exc}")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # --- the services ------------------------------------------------------------------------------

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    def start_redis(self) -> None:
        self.start("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--protected-mode", "yes"], env=dict(os.environ))
        wait_until(lambda: _redis_ping(self.redis_port), timeout=15, what="redis-server answering PING")

    def restart_redis(self, down_seconds: float) -> None:
        """Stop redis-server (everything in it is gone: persistence is off), wait, start it again."""
        self.kill("redis")
        time.sleep(down_seconds)
        self.start_redis()

    def start_simulator(self, *options: str) -> None:
        self.start("simulator", [PYTHON, "-m", "devtools.simulator", "--port", str(self.sim_port),
                                 "--account-id", ACCOUNT_ID, *options], env=_plain_env())
        wait_until(lambda: http_json(f"{self.sim_url}/simulator/health")["ok"], timeout=30,
                   what="the simulator answering /simulator/health")

    def configure_env(self, database: str, **extra: str) -> dict:
        env = common.production_env(database, self.redis_url, self.web_port)
        env |= {"BANDWIDTH_MESSAGING_API_URL": f"{self.sim_url}/api/v2",
                "BANDWIDTH_OAUTH_TOKEN_URL": f"{self.sim_url}/api/v1/oauth2/token", **extra}
        if os.environ.get("BENCH_SETTINGS_MODULE"):  # try a settings variant (PYTHONPATH must find it)
            env["DJANGO_SETTINGS_MODULE"] = os.environ["BENCH_SETTINGS_MODULE"]
        self.env = env
        return env

    def start_worker(self, name: str, concurrency: int, *, pool: str = "prefork") -> None:
        # The production command; -n only so that a ping can tell the workers apart, -P only when not the default.
        pool_option = () if pool == "prefork" else ("-P", pool)
        self.start(name, common.process_command("worker", "-n", f"{name}@bench", "-c", str(concurrency), *pool_option))
        from portal.celery import app

        def answered():
            if self.children[name].poll() is not None:
                raise CannotMeasure(f"Celery worker {name} exited:\n{self.tail(name)}")
            return app.control.ping(destination=[f"{name}@bench"], timeout=0.5)
        try:
            wait_until(answered, timeout=60, what=f"Celery worker {name} answering ping", every=0.5)
        except CannotMeasure as exc:
            raise CannotMeasure(f"{exc}\n{self.tail(name)}") from None

    def start_beat(self) -> None:
        # Exactly the production command; the schedule file goes where the settings read it from.
        self.start("beat", common.process_command("beat"),
                   env=self.env | {"CELERY_BEAT_SCHEDULE_FILENAME": str(self.log_dir / "beat-schedule")})

    @contextmanager
    def gunicorn(self, workers: int = 2):
        with common.gunicorn(self.env, self.web_port, workers=workers,
                             log_dir=self.log_dir) as server:
            yield server


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")


def _plain_env() -> dict:
    return {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}


# --- database and seeding -----------------------------------------------------------------------------

def prepare_database(env: dict) -> None:
    """A fresh database with every schema migrated; Django loaded in this process against it."""
    common.recreate_database(env["DATABASE_URL"])
    common.manage(env, "migrate_schemas", "--shared", "-v", "0")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from tenants.services import ensure_public_tenant

    ensure_public_tenant()


def cleanup_database(env: dict, keep: bool) -> None:
    common.close_django_connections()
    if env and not keep:
        try:
            common.drop_database(env["DATABASE_URL"])
        except Exception as exc:  # noqa: BLE001 - say what is left behind, keep the figures
            say(f"could not drop the database: {exc}")


@dataclass
class Seeded:
    tenant: object
    slug: str
    extensions: list[str]  # extension numbers; extension i sends from senders[i]
    senders: list[str]
    api_token: str
    webhook_url: str = ""  # the SMS configuration's callback URL (Bandwidth posts there)


def sender_numbers(count: int) -> list[str]:
    return [f"+1919555{1000 + i:04d}" for i in range(count)]


def seed(*, slug: str, senders: int, rate: float | None, sim_url: str, callbacks: bool) -> Seeded:
    """One tenant: a trunk with `senders` DIDs (10DLC registered, `rate` messages/s each), one extension
    per DID sending from it, an outbound rule for +1 numbers, an OAuth SMS configuration pointing at the
    simulator, and an API token of the tenant's administrator. With `callbacks`, the simulator calls
    the configuration's webhook back (gunicorn must run then)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django_tenants.utils import tenant_context

    from accounts.services.api_tokens import create_api_token
    from messaging.models import Extension, OutboundRule, Trunk
    from messaging.services.configuration import sms_configurations
    from tenants.services import create_tenant

    password = secrets.token_urlsafe(16)
    with redirect_stdout(io.StringIO()):  # django-tenants prints every migration it applies
        tenant = create_tenant(name=f"Bench {slug}", slug=slug, admin_username=f"{slug}-admin", admin_password=password)
    numbers = sender_numbers(senders)
    with tenant_context(tenant):
        trunk = Trunk.objects.create(name="BW trunk", host="sip.example.net")
        extensions = []
        for index, number in enumerate(numbers):
            did = trunk.numbers.create(number=number, ten_dlc_status="registered", campaign_id="CBENCH1",
                                       rate_per_second=rate)
            extensions.append(Extension.objects.create(number=str(100 + index), name=f"Bench {index}", did=did).number)
        configuration = sms_configurations.create_configuration(
            user=None, name="Bench SMS", trunk=trunk, sender_id="", account_id=ACCOUNT_ID,
            application_id=APPLICATION_ID, auth_type="oauth", username=CLIENT_ID,
            password=CLIENT_SECRET, callback_username=common.CALLBACK_USER,
            callback_password=common.CALLBACK_PASSWORD, enabled=True,
        )
        OutboundRule.objects.create(name="US from the extension's DID", destination_prefix="+1", destination_length=11,
                                    sms_configuration=configuration, sender=OutboundRule.Sender.EXTENSION_DID, order=10)
        webhook = sms_configurations.webhook_url(configuration)
    connection.set_schema_to_public()
    _, api_token = create_api_token(user=get_user_model().objects.get(username=f"{slug}-admin"), label="bench")
    http_json(f"{sim_url}/simulator/applications/{APPLICATION_ID}", method="PUT", data={
        "callbackUrl": webhook if callbacks else "", "callbackUsername": common.CALLBACK_USER if callbacks else "",
        "callbackPassword": common.CALLBACK_PASSWORD if callbacks else "", "accountId": ACCOUNT_ID})
    return Seeded(tenant=tenant, slug=slug, extensions=extensions, senders=numbers, api_token=api_token,
                  webhook_url=webhook)


def destinations(count: int) -> list[str]:
    return [f"+1415555{2000 + i:04d}" for i in range(count)]


def status_counts(tenant) -> dict[str, int]:
    from django.db.models import Count
    from django_tenants.utils import tenant_context

    from messaging.models import Message

    with tenant_context(tenant):
        rows = Message.objects.filter(direction="out").values("status").annotate(n=Count("id")).order_by()
        return {row["status"]: row["n"] for row in rows}


def simulator_messages(sim_url: str) -> list[dict]:
    return http_json(f"{sim_url}/simulator/messages?direction=out", timeout=120)["messages"]


def accepted_times(records: list[dict]) -> list[float]:
    from datetime import datetime

    return sorted(datetime.fromisoformat(r["receivedAt"].replace("Z", "+00:00")).timestamp() for r in records)


# --- CPU accounting -----------------------------------------------------------------------------------

def _stat(pid: str) -> tuple[str, list[str]] | None:
    try:
        head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    except OSError:
        return None
    return head.split("(", 1)[1], tail.split()


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each child's process group, by PostgreSQL (every backend, the ones
    that have exited included: the postmaster's children time; other databases' work counts too), by
    the backends of this run's database only (`postgres_db`, sampled: see DatabaseBackends), by this
    process, and by the whole machine: the cost side of a throughput figure."""
    tick = os.sysconf("SC_CLK_TCK")
    groups = {child.pid: name for name, child in stack.children.items()}
    totals = dict.fromkeys([*groups.values(), "postgres"], 0.0)
    for entry in Path("/proc").glob("[0-9]*"):
        found = _stat(entry.name)
        if found is None:
            continue
        comm, fields = found
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(fields[2]) in groups:
            totals[groups[int(fields[2])]] += seconds
        elif comm == "postgres":
            parent = _stat(fields[1])
            totals["postgres"] += seconds
            if parent is None or parent[0] != "postgres":  # the postmaster: add its reaped backends
                totals["postgres"] += (int(fields[13]) + int(fields[14])) / tick
    database = stack.env.get("DATABASE_URL", "").rsplit("/", 1)[-1].split("?")[0]
    sampler_seconds = 0.0
    if database:
        backends = DatabaseBackends.of(database)
        totals["postgres_db"] = backends.seconds()
        sampler_seconds = backends.own_seconds
    own = os.times()
    totals["bench"] = own.user + own.system - sampler_seconds  # the measuring is not the measured
    busy = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    totals["machine_busy"] = (sum(busy) - busy[3] - busy[4]) / tick  # all but idle and iowait
    totals["machine_all"] = sum(busy) / tick
    return totals


class DatabaseBackends:
    """CPU of the PostgreSQL backends serving one database, on a shared server: a thread reads every
    backend's process title ("postgres: ... <user> <database> <address> ...") and CPU time every
    SAMPLE seconds and keeps the last value of each, so a backend that has exited still counts (less
    its last SAMPLE seconds). Other databases' work (other people's tests and benchmarks) is left out,
    which the all-backends figure cannot do."""

    SAMPLE = 0.2
    _running: dict[str, "DatabaseBackends"] = {}

    def __init__(self, database: str):
        self.marker = f" {database} "
        self.last: dict[int, float] = {}
        self.seen: set[int] = set()
        self.lock = threading.Lock()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.own_seconds = 0.0  # CPU this sampling took, in whichever thread
        threading.Thread(target=self._run, daemon=True, name=f"cpu-{database}").start()

    @classmethod
    def of(cls, database: str) -> "DatabaseBackends":
        if database not in cls._running:
            cls._running[database] = cls(database)
        return cls._running[database]

    def _run(self) -> None:
        while True:
            time.sleep(self.SAMPLE)
            self.sample()

    def sample(self) -> None:
        started = time.thread_time()
        with self.lock:
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                pid = int(name)
                if pid not in self.seen:  # a backend's title is read once: its database never changes
                    self._classify(pid, name)
                if pid in self.last:
                    found = _stat(name)
                    if found is not None:
                        self.last[pid] = (int(found[1][11]) + int(found[1][12])) / self.tick
            self.own_seconds += time.thread_time() - started

    def _classify(self, pid: int, name: str) -> None:
        found = _stat(name)
        if found is None:
            return
        if found[0] != "postgres":
            self.seen.add(pid)
            return
        try:
            title = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return
        if title.startswith("postgres:"):  # else a backend just forked, not titled yet: ask again next time
            self.seen.add(pid)
            if self.marker in title:
                self.last[pid] = 0.0

    def seconds(self) -> float:
        self.sample()
        with self.lock:
            return sum(self.last.values())


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}
