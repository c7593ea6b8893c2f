"""Parts of bench/faults.py: a private PostgreSQL cluster and a private RabbitMQ node it may restart, and
1,000 inbound callbacks posted to the portal's webhook as Bandwidth would (timed, re-posted when not
acknowledged), then checked.

The callbacks: one `message-received` event per POST, each inbound message with its own carrier id. A
share of the messages are group messages to two of the tenant's numbers: Bandwidth sends one event per
recipient, both carrying the same message id, so they are posted as two callbacks by two threads at
nearly the same moment; one message must come of them. A share of the callbacks are posted a second time
later (a redelivery): stored once. A callback answered anything but 200 (a connection error, a 5xx while
PostgreSQL restarts) is posted again after the run, as Bandwidth retries.
"""

import collections
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import outbound_common as oc
import requests

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ANSWER_PROMISE_S = 2.0


# --- a private PostgreSQL ------------------------------------------------------------------------------

class PrivatePostgres:
    """A throw-away cluster on 127.0.0.1 (trust authentication) in a temporary folder: restarting it stops
    nobody else's database. As root, initdb and pg_ctl run as the `postgres` system user."""

    def __init__(self, log_dir: Path, *, keep: bool = False):
        self.keep = keep  # leave the stopped cluster's folder behind (--keep-database)
        self.port = oc.common.free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="bench-faults-pg-"))
        self.data = self.folder / "data"
        self.log = log_dir / "postgres.log"
        self.user = "postgres" if os.geteuid() == 0 else None

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *argv: str, timeout: float = 120) -> None:
        command = ["runuser", "-u", self.user, "--", *argv] if self.user else list(argv)
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise oc.CannotMeasure(f"{' '.join(argv[:2])} failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")

    def _pg_ctl(self, *argv: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *argv)

    def __enter__(self):
        if self.user:
            shutil.chown(self.folder, self.user)
            self.log.touch()
            shutil.chown(self.log, self.user)
            # A temporary log folder is 0700 root: the server's user must reach its log in it.
            self.log.parent.chmod(self.log.parent.stat().st_mode | 0o011)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._pg_ctl("start")
        return self

    def restart(self) -> float:
        """`pg_ctl restart -m fast`: every connection is cut. Returns the seconds it took."""
        started = time.monotonic()
        self._pg_ctl("restart", "-m", "fast")
        return time.monotonic() - started

    def __exit__(self, *exc):
        try:
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (oc.CannotMeasure, subprocess.TimeoutExpired) as problem:
            oc.say(f"could not stop the private PostgreSQL: {problem}")
        if self.keep:
            oc.say(f"the private PostgreSQL cluster is left in {self.data} (pg_ctl -D ... start to look)")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)


# --- a private RabbitMQ --------------------------------------------------------------------------------

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


class PrivateRabbitMQ:
    """A RabbitMQ node of its own (Debian's rabbitmq-server) on free ports of 127.0.0.1, its data, logs,
    configuration and Erlang cookie in a temporary folder: killing it stops nobody else's broker. The
    machine's epmd (port 4369) is shared, as Erlang nodes do; the node name is unique. As root the node
    runs as the `rabbitmq` user. Its data stays between restarts: durable queues come back with it."""

    def __init__(self, log_dir: Path):
        self.port = oc.common.free_port()
        self.dist_port = oc.common.free_port()
        self.name = f"bench{os.getpid()}@localhost"
        self.folder = Path(tempfile.mkdtemp(prefix="bench-faults-rabbitmq-"))
        self.log = log_dir / "rabbitmq.log"
        self.user = "rabbitmq" if os.geteuid() == 0 else None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict:
        folder = self.folder
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
            # Its own files instead of /etc/rabbitmq's (which name the machine's node and port 5672).
            "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"), "RABBITMQ_LOG_BASE": str(folder / "log"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def __enter__(self):
        (self.folder / "rabbitmq-env.conf").write_text("")
        (self.folder / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (self.folder / "enabled_plugins").write_text("[].\n")
        if self.user:
            for path in [self.folder, *self.folder.iterdir()]:
                shutil.chown(path, self.user)
        self.start()
        return self

    def start(self) -> float:
        """Start the node and wait until it takes AMQP connections; returns the seconds that took."""
        started = time.monotonic()
        argv = ["runuser", "-u", self.user, "--", RABBITMQ_SERVER] if self.user else [RABBITMQ_SERVER]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(argv, env=self._env(), cwd=self.folder, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        oc.wait_until(self._answers, timeout=120, what="the private RabbitMQ taking AMQP connections", every=0.5)
        return time.monotonic() - started

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise oc.CannotMeasure(f"the private RabbitMQ exited:\n{self.log.read_text(errors='replace')[-2000:]}")
        from kombu import Connection

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
            with Connection(self.url, connect_timeout=2) as connection:
                connection.connect()
            return True
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def kill(self) -> None:
        """SIGKILL the node (every process of its group): a machine that dies; nothing is flushed."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def restart(self, down_seconds: float) -> float:
        """Kill the node, wait, start it again on its data; returns the seconds until it took connections."""
        self.kill()
        time.sleep(down_seconds)
        return self.start() + down_seconds

    def pause(self, seconds: float) -> None:
        """SIGSTOP for `seconds`, then SIGCONT: connections are accepted (by the kernel), nothing answered."""
        os.killpg(self.process.pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.killpg(self.process.pid, signal.SIGCONT)

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # an Erlang helper left behind
        except (ProcessLookupError, AttributeError):
            pass
        # Until the last process of the node is gone it may still write into the folder.
        deadline = time.monotonic() + 10
        while self.process is not None and time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the callbacks -------------------------------------------------------------------------------------

@dataclass
class Callback:
    index: int
    carrier_id: str
    to: str  # the recipient this event is for (one of ours)
    recipients: list[str]  # the message's recipients: two of ours for a group message
    body: dict
    answers: list[tuple[float, int, float]] = field(default_factory=list)  # (when, status or 0, seconds)

    @property
    def acknowledged(self) -> bool:
        return any(status == 200 for _, status, _ in self.answers)


def plan(count: int, numbers: list[str], *, group_share: float, seed: int) -> list[Callback]:
    """`count` callbacks; a group message takes two of them (same carrier id, one per recipient)."""
    rng = random.Random(seed)
    callbacks: list[Callback] = []
    message = 0
    while len(callbacks) < count:
        message += 1
        carrier_id = f"faults-in-{seed}-{message:05d}"
        sender = f"+1312555{3000 + message % 500:04d}"
        group = len(callbacks) + 2 <= count and rng.random() < group_share
        recipients = rng.sample(numbers, 2) if group else [rng.choice(numbers)]
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for to in recipients:
            event = {"type": "message-received", "time": now, "description": "Incoming message received",
                     "to": to, "message": {"id": carrier_id, "time": now, "to": recipients, "from": sender,
                                           "text": f"inbound #{message}", "applicationId": oc.APPLICATION_ID,
                                           "media": [], "owner": to, "direction": "in", "segmentCount": 1}}
            callbacks.append(Callback(len(callbacks), carrier_id, to, recipients, [event]))
    return callbacks


class Poster:
    """Posts the callbacks from `threads` threads at `rate` per second in all, timing every answer. The
    two events of a group message go to two threads (consecutive indexes), so they arrive together."""

    def __init__(self, url: str, callbacks: list[Callback], *, rate: float, threads: int = 4,
                 redeliver_share: float, seed: int):
        self.url, self.callbacks, self.rate, self.threads = url, callbacks, rate, threads
        rng = random.Random(seed + 1)
        self.redelivered = sorted(rng.sample(range(len(callbacks)), int(redeliver_share * len(callbacks))))
        self.done = 0
        self.started = 0.0
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def clock(self) -> float:
        """Seconds since the first post: the time axis of the answers and of the faults."""
        return time.monotonic() - self.started

    def post(self, session: requests.Session, callback: Callback) -> int:
        began = time.monotonic()
        try:
            status = session.post(self.url, json=callback.body, timeout=30).status_code
        except requests.RequestException:
            status = 0
        callback.answers.append((began - self.started, status, time.monotonic() - began))
        return status

    def _run(self, indexes: list[int]) -> None:
        with requests.Session() as session:
            session.auth = (oc.common.CALLBACK_USER, oc.common.CALLBACK_PASSWORD)
            for slot, index in indexes:
                time.sleep(max(0.0, self.started + slot / self.rate - time.monotonic()))
                self.post(session, self.callbacks[index])
                with self._lock:
                    self.done += 1

    def start(self) -> None:
        # A redelivery comes 50 slots after the first delivery; the schedule is the list of (slot, index).
        order = [(i, i) for i in range(len(self.callbacks))]
        order += [(min(i + 50, len(self.callbacks) - 1) + 0.5, i) for i in self.redelivered]
        order.sort()
        self.started = time.monotonic()
        self._workers = [threading.Thread(target=self._run, args=(order[k::self.threads],), daemon=True)
                         for k in range(self.threads)]
        for worker in self._workers:
            worker.start()

    def join(self) -> None:
        for worker in self._workers:
            worker.join()

    def retry_unacknowledged(self, rounds: int = 5) -> int:
        """Post again every callback never answered 200, as Bandwidth retries; returns how many were."""
        missing = [c for c in self.callbacks if not c.acknowledged]
        with requests.Session() as session:
            session.auth = (oc.common.CALLBACK_USER, oc.common.CALLBACK_PASSWORD)
            for _ in range(rounds):
                for callback in [c for c in missing if not c.acknowledged]:
                    self.post(session, callback)
                if all(c.acknowledged for c in missing):
                    break
                time.sleep(2)
        return len(missing)


# --- the checks ----------------------------------------------------------------------------------------

def pending_events(tenant) -> int:
    from django_tenants.utils import tenant_context

    from messaging.models import WebhookEvent

    with tenant_context(tenant):
        return WebhookEvent.objects.filter(event_type="message-received", processed_at__isnull=True).count()


@contextmanager
def _tenant(tenant):
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        yield


def answer_figures(callbacks: list[Callback], outages: list[tuple[str, float, float]]) -> dict:
    """Every answer's time (first deliveries, redeliveries and retries alike) and what the failures were.
    `outages`: (name, start, end) in the poster's clock; an error inside PostgreSQL's restart is expected."""
    answers = [answer for c in callbacks for answer in c.answers]
    seconds = sorted(s for _, _, s in answers)
    in_pg = [a for a in answers if a[1] != 200 and any(n == "postgres" and s - 1 <= a[0] <= e + 1
                                                       for n, s, e in outages)]
    errors = [a for a in answers if a[1] != 200]
    return {
        "answers": len(answers), "statuses": dict(collections.Counter(status for _, status, _ in answers)),
        "median": statistics.median(seconds), "p99": seconds[max(0, int(0.99 * len(seconds)) - 1)],
        "max": seconds[-1], "over_promise": [a for a in answers if a[2] > ANSWER_PROMISE_S],
        "errors_in_pg_restart": len(in_pg), "errors_elsewhere": [a for a in errors if a not in in_pg],
        "fivexx_elsewhere": [a for a in errors if a not in in_pg and a[1] >= 500],
    }


def verify(tenant, callbacks: list[Callback], outages) -> tuple[list[str], list[str]]:
    """(problems, report lines): every acknowledged event stored once and processed, every carrier
    message one inbound Message with all its recipients, every answer within the promise."""
    from django.db.models import Count

    from messaging.models import Message, WebhookEvent

    with _tenant(tenant):
        events = collections.Counter(
            (row["carrier_message_id"], row["recipient"]) for row in WebhookEvent.objects.filter(
                event_type="message-received", carrier_message_id__startswith="faults-in-").values(
                "carrier_message_id", "recipient"))
        states = dict(WebhookEvent.objects.filter(event_type="message-received").values_list("state").annotate(
            n=Count("id")).order_by())
        messages = collections.defaultdict(list)
        for row in Message.objects.filter(direction="in", provider_message_id__startswith="faults-in-").values(
                "provider_message_id", "to_numbers"):
            messages[row["provider_message_id"]].append(row["to_numbers"])
    by_message = collections.defaultdict(list)
    for c in callbacks:
        by_message[c.carrier_id].append(c)
    problems: list[str] = []

    def problem(kind: str, items: list) -> None:
        if items:
            problems.append(f"inbound: {len(items)} {kind}: {items[:8]}")

    acked = [c for c in callbacks if c.acknowledged]
    problem("callbacks never acknowledged, even when posted again", [c.index for c in callbacks if not c.acknowledged])
    problem("acknowledged events not stored (lost)", [c.index for c in acked if not events[(c.carrier_id, c.to)]])
    problem("events stored more than once", [k for k, n in events.items() if n > 1])
    problem("events not processed", [s for s in states if s != "processed"])
    problem("carrier messages without a Message (lost)",
            [m for m, cs in by_message.items() if any(c.acknowledged for c in cs) and not messages.get(m)])
    problem("carrier messages stored as more than one Message", [m for m, rows in messages.items() if len(rows) > 1])
    problem("group messages missing a recipient",
            [m for m, cs in by_message.items() if messages.get(m) and set(cs[0].recipients) - set(messages[m][0])])
    figures = answer_figures(callbacks, outages)
    problem(f"answers slower than {ANSWER_PROMISE_S:g} s (at s, status, seconds)",
            [tuple(round(x, 2) for x in a) for a in figures["over_promise"]])
    problem("5xx answers outside PostgreSQL's restart (at s, status, seconds)",
            [tuple(round(x, 2) for x in a) for a in figures["fivexx_elsewhere"]])
    groups = sum(1 for cs in by_message.values() if len(cs[0].recipients) > 1)
    redelivered = sum(1 for c in callbacks if len(c.answers) > 1)
    lines = [
        f"inbound: {len(callbacks)} callbacks for {len(by_message)} messages ({groups} group messages to two of "
        f"our numbers), {redelivered} posted more than once (redelivered or retried); {len(acked)} acknowledged "
        "with 200",
        f"  answers: {figures['answers']}, statuses {figures['statuses']}; time median "
        f"{figures['median'] * 1000:.0f} ms, p99 {figures['p99'] * 1000:.0f} ms, max {figures['max'] * 1000:.0f} ms; "
        f"over {ANSWER_PROMISE_S:g} s: {len(figures['over_promise'])}",
        f"  not 200: {figures['errors_in_pg_restart']} during PostgreSQL's restart (posted again), "
        f"{len(figures['errors_elsewhere'])} elsewhere",
        f"  stored: {sum(events.values())} events for {len(events)} identities, states {states}; "
        f"{sum(len(r) for r in messages.values())} inbound messages for {len(messages)} carrier ids",
    ]
    return problems, lines
