"""End to end: Bandwidth callbacks acknowledged, then processed by the worker to their effect, per second,
against the raw durable-insert endpoint measured on the same server in the same run.

    .venv/bin/python bench/webhook_e2e.py [--duration 20] [--rounds 3] [--connections 16] [--workers 4]
                                          [--concurrency 2]

A run owns what it measures: a fresh database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_e2e), its own redis-server, the production web process
(`portal.processes web`, with devtools.bench_settings' baseline endpoints added) and the production Celery
worker (`portal.processes worker -c N`) on this same machine. One tenant: a DID routed by an inbound rule to
extension 100, and outbound messages seeded (status `sent`, one recipient each) so that every receipt
applies to a real row. wrk (bench/wrk/callbacks.lua) posts one unique event per request: odd requests a
`message-received` (routed by the rule), even ones a `message-delivered` for a seeded message.

Each round, in turn:
    raw       wrk on /bench/raw/<token>/ (one INSERT of the body, autocommit) for --duration s;
    webhook   wrk on the webhook for --duration s with the worker processing beside it, then the clock runs
              until no event of the inbox is pending.
Reported per round: acknowledged callbacks/s during the load (and / raw), the end-to-end rate = acknowledged
callbacks / seconds from the load's start until none is pending (and / raw), the worker's CPU per callback
(its process group, from /proc), gunicorn's, and the machine's PostgreSQL (all databases: an upper bound).
Then the check: every acknowledged `message-received` is an inbound message routed to extension 100, every
acknowledged `message-delivered` left its message `delivered`, no event failed or is pending.
With --backlog-seconds (default 10) each round also posts to the webhook with the worker stopped, starts it,
and times it draining that backlog: the worker's capacity and CPU per callback with full batches.

Exit status: 0 measured (targets are reported, not enforced); 1 could not measure; 2 the check failed.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import outbound_common  # noqa: E402
from common import CannotMeasure, say  # noqa: E402

DATABASE = "portal_bench_e2e"
TARGET_E2E = 0.3
TARGET_ACK = 0.5
TARGET_WORKER_MS = 3.0
DID = "+19195550100"
DRAIN_TIMEOUT = 600


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="raw/webhook rounds, interleaved")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (one wrk thread each)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes (-c)")
    parser.add_argument("--seed-per-connection", type=int, default=4000,
                        help="outbound messages seeded per connection and round (receipts beyond are 'no message')")
    parser.add_argument("--backlog-seconds", type=int, default=10,
                        help="per round, also load the webhook this long with the worker stopped, then time the "
                             "worker draining that backlog (0: skip)")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.duration <= 300 or not 1 <= args.rounds <= 10 or not 1 <= args.connections <= 64:
        parser.error("--duration 1..300, --rounds 1..10, --connections 1..64")
    return args


def main() -> int:
    args = parse_args()
    outbound_common.raise_on_sigterm()
    database_url = outbound_common.database_url(DATABASE)
    say(f"machine: {common.machine()}; {common.load_average()}")
    say(f"web: gunicorn --workers {args.workers} (production); worker: celery -c {args.concurrency} (production); "
        f"load: wrk, {args.connections} connections, {args.duration} s per endpoint x {args.rounds} round(s)")
    env: dict = {}
    try:
        with outbound_common.log_dir(args.logs, "bench-e2e-") as logs, outbound_common.Stack(logs) as stack:
            stack.start_redis()
            env = common.production_env(database_url, stack.redis_url, stack.web_port)
            stack.env = env
            web_env = common.production_env(database_url, stack.redis_url, stack.web_port, baselines=True)
            web_env |= {key: env[key] for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")}
            common.recreate_database(database_url)
            common.prepare(env)
            schema, webhook_path = common.seed_tenant(1)
            extension_id = seed_rule(schema)
            common.close_django_connections()
            token = webhook_path.rstrip("/").rsplit("/", 1)[1]
            stack.start_worker("worker", args.concurrency)
            with common.gunicorn(web_env, stack.web_port, workers=args.workers, log_dir=logs) as server:
                common.warm_up(stack.web_port, [webhook_path, f"/bench/raw/{token}/"])
                wait_drained(schema, timeout=60)
                rounds, problems = [], []
                for number in range(1, args.rounds + 1):
                    result = one_round(args, stack, server, schema, webhook_path, token, extension_id, number)
                    rounds.append(result)
                    problems += result["problems"]
            say(f"after the load: {common.load_average()}")
            report(rounds)
            for problem in problems:
                say("FAILED: " + problem)
            return 2 if problems else 0
    except CannotMeasure as exc:
        say(f"COULD NOT MEASURE: {exc}")
        return 1
    finally:
        common.close_django_connections()
        if env and not args.keep_database:
            try:
                common.drop_database(database_url)
            except Exception as exc:  # noqa: BLE001 - say what is left behind, keep the figures
                say(f"could not drop the database: {exc}")


# --- seeding ------------------------------------------------------------------------------------------

def seed_rule(schema: str) -> int:
    """Extension 100 and the inbound rule that routes the DID to it; returns the extension's id."""
    from django_tenants.utils import schema_context

    from messaging.models import Extension, InboundRule, Trunk

    with schema_context(schema):
        extension = Extension.objects.create(number="100", name="Reception")
        rule = InboundRule.objects.create(name="Main DID", trunk=Trunk.objects.get(), did_start=DID, did_end=DID)
        rule.extensions.add(extension)
        return extension.pk


def seed_outbound(schema: str, run_id: str, connections: int, per_connection: int) -> None:
    """The outbound messages callbacks.lua's receipts of this run name: <run>-<thread>-<n>, n even, sent to
    +1919555<n % 10000>, status `sent` with its one recipient, as a send leaves them."""
    from django_tenants.utils import schema_context

    from messaging.models import Message, MessageRecipient, SmsConfiguration

    with schema_context(schema):
        configuration = SmsConfiguration.objects.get()
        for tid in range(1, connections + 1):
            rows = [Message(direction="out", status="sent", sms_configuration=configuration, from_number=DID,
                            to_numbers=[f"+1919555{n % 10000:04d}"], text="Hello", segments=1,
                            provider_message_id=f"{run_id}-{tid}-{n}")
                    for n in range(2, per_connection + 1, 2)]
            Message.objects.bulk_create(rows, batch_size=2000)
            MessageRecipient.objects.bulk_create(
                [MessageRecipient(message=m, number=m.to_numbers[0], status="sent") for m in rows], batch_size=2000)


# --- one round ----------------------------------------------------------------------------------------

def one_round(args, stack, server, schema: str, webhook_path: str, token: str, extension_id: int,
              number: int) -> dict:
    port = stack.web_port
    raw_id = f"r{secrets.token_hex(3)}"
    raw = common.wrk(port, [f"/bench/raw/{token}/"], run_id=raw_id, duration=args.duration,
                     connections=args.connections, auth=True)
    say(common.summary_line(f"round {number} raw", raw))

    run_id = f"e{secrets.token_hex(3)}"
    seed_outbound(schema, run_id, args.connections, args.seed_per_connection)
    common.close_django_connections()
    groups = {"worker": stack.children["worker"].pid, "web": server.pid}
    before, started = cpu_by_group(groups), time.monotonic()
    webhook = common.wrk(port, [webhook_path], run_id=run_id, duration=args.duration,
                         connections=args.connections, auth=True)
    load_seconds = time.monotonic() - started
    pending_after_load = pending(schema)
    wait_drained(schema, timeout=DRAIN_TIMEOUT)
    e2e_seconds = time.monotonic() - started
    after = cpu_by_group(groups)
    say(common.summary_line(f"round {number} webhook", webhook))
    check = verify(schema, webhook, run_id, extension_id)
    processed = check["processed"]
    cpu = {name: 1000 * (after[name] - before[name]) / max(processed, 1) for name in after}
    result = {
        "raw_rps": raw["rps"], "ack_rps": webhook["rps"], "acked": webhook["acked"],
        "e2e_rps": webhook["acked"] / e2e_seconds, "load_s": load_seconds, "e2e_s": e2e_seconds,
        "pending_after_load": pending_after_load, "worker_ms": cpu["worker"], "web_ms": cpu["web"],
        "postgres_ms": cpu["postgres"], "p99_ms": webhook["p99_ms"], "errors": common.errors_of(webhook),
        "check": check, "problems": check.pop("problems"),
    }
    say(f"round {number}: acknowledged {webhook['acked']} in {load_seconds:.1f} s ({result['ack_rps']:.0f}/s, "
        f"{result['ack_rps'] / raw['rps']:.2f} of raw {raw['rps']:.0f}/s); {pending_after_load} pending when the "
        f"load stopped; none pending after {e2e_seconds:.1f} s: end to end {result['e2e_rps']:.0f}/s "
        f"({result['e2e_rps'] / raw['rps']:.2f} of raw); CPU per callback: worker {cpu['worker']:.2f} ms, "
        f"web {cpu['web']:.2f} ms, PostgreSQL (machine) {cpu['postgres']:.2f} ms")
    say(f"round {number} check: {check}")
    if args.backlog_seconds:
        result |= backlog(args, stack, schema, webhook_path, extension_id, number)
        result["problems"] += result.pop("backlog_problems")
    return result


def backlog(args, stack, schema: str, webhook_path: str, extension_id: int, number: int) -> dict:
    """The worker's capacity with full batches: callbacks stored while it is stopped, then drained."""
    stack.stop("worker")
    run_id = f"k{secrets.token_hex(3)}"
    seed_outbound(schema, run_id, args.connections, args.seed_per_connection)
    common.close_django_connections()
    figures = common.wrk(stack.web_port, [webhook_path], run_id=run_id, duration=args.backlog_seconds,
                         connections=args.connections, auth=True)
    stored = pending(schema)
    stack.start_worker("worker", args.concurrency)  # the drains the webhook queued wait in Redis
    groups = {"worker": stack.children["worker"].pid}
    before, started = cpu_by_group(groups), time.monotonic()
    wait_drained(schema, timeout=DRAIN_TIMEOUT)
    seconds, after = time.monotonic() - started, cpu_by_group(groups)
    check = verify(schema, figures, run_id, extension_id)
    problems = check.pop("problems")
    rate, worker_ms = stored / seconds, 1000 * (after["worker"] - before["worker"]) / max(stored, 1)
    say(f"round {number} backlog: {stored} callbacks stored with the worker stopped, drained in {seconds:.1f} s "
        f"({rate:.0f}/s) with {worker_ms:.2f} ms worker CPU per callback; check: {check}")
    return {"backlog_rps": rate, "backlog_worker_ms": worker_ms, "backlog_problems": problems}


def pending(schema: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema}".messaging_webhookevent WHERE processed_at IS NULL')
        return cursor.fetchone()[0]


def wait_drained(schema: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while pending(schema):
        if time.monotonic() > deadline:
            raise CannotMeasure(f"events still pending after {timeout} s")
        time.sleep(0.05)
    common.close_django_connections()


def cpu_by_group(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each process group (a child started in its own session) and of every PostgreSQL
    process on the machine (backends of other databases included)."""
    tick = os.sysconf("SC_CLK_TCK")
    names = {pgid: name for name, pgid in groups.items()}
    totals = dict.fromkeys([*groups, "postgres"], 0.0)
    for entry in Path("/proc").glob("[0-9]*"):
        found = outbound_common._stat(entry.name)
        if found is None:
            continue
        comm, fields = found
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(fields[2]) in names:
            totals[names[int(fields[2])]] += seconds
        elif comm == "postgres":
            totals["postgres"] += seconds + (int(fields[13]) + int(fields[14])) / tick
    return totals


def verify(schema: str, figures: dict, run_id: str, extension_id: int) -> dict:
    """Every acknowledged event processed to its effect."""
    from django_tenants.utils import schema_context

    from messaging.models import Message, WebhookEvent

    acked = common.acknowledged_ids(figures, run_id)
    received = {m for m in acked if int(m.rsplit("-", 1)[1]) % 2 == 1}
    receipts = set(acked) - received
    with schema_context(schema):
        events = WebhookEvent.objects.filter(carrier_message_id__startswith=run_id + "-")
        states = dict.fromkeys(["processed", "pending", "failed", "ignored"], 0)
        for state in events.values_list("state", flat=True):
            states[state] += 1
        routed = set(Message.objects.filter(direction="in", provider_message_id__in=received,
                                            routed_to=extension_id).values_list("provider_message_id", flat=True))
        delivered = set(Message.objects.filter(direction="out", provider_message_id__in=receipts,
                                               status="delivered").values_list("provider_message_id", flat=True))
        no_message = events.filter(note__startswith="No outbound message").count()
    common.close_django_connections()
    check = {"acknowledged": len(acked), "processed": states["processed"], "failed": states["failed"],
             "pending": states["pending"], "received_routed": f"{len(routed)}/{len(received)}",
             "receipts_delivered": f"{len(delivered)}/{len(receipts)}", "receipts_without_message": no_message}
    problems = []
    if len(routed) != len(received):
        problems.append(f"{len(received) - len(routed)} acknowledged inbound messages not routed ({run_id})")
    if len(delivered) != len(receipts):
        problems.append(f"{len(receipts) - len(delivered)} acknowledged receipts not applied ({run_id}; seed more "
                        "with --seed-per-connection if receipts_without_message > 0)")
    if states["failed"] or states["pending"]:
        problems.append(f"events failed or pending: {states}")
    return check | {"problems": problems}


def report(rounds: list[dict]) -> None:
    def spread(key: str, scale: float = 1.0, digits: int = 2) -> str:
        values = [r[key] * scale for r in rounds]
        return (f"{statistics.median(values):.{digits}f} (min {min(values):.{digits}f}, max {max(values):.{digits}f}"
                f"; rounds {', '.join(f'{v:.{digits}f}' for v in values)})")

    for r in rounds:
        r["ack_ratio"], r["e2e_ratio"] = r["ack_rps"] / r["raw_rps"], r["e2e_rps"] / r["raw_rps"]
    say("")
    say("medians over the rounds (min, max; every round):")
    say(f"raw durable insert, callbacks/s:             {spread('raw_rps', digits=0)}")
    say(f"webhook acknowledged beside the worker, /s:  {spread('ack_rps', digits=0)}")
    say(f"end to end (acknowledged / s until none pending), /s: {spread('e2e_rps', digits=0)}")
    e2e, ack = statistics.median(r["e2e_ratio"] for r in rounds), statistics.median(r["ack_ratio"] for r in rounds)
    worker = statistics.median(r["worker_ms"] for r in rounds)
    say(f"ratio end to end / raw:                      {spread('e2e_ratio')}  "
        f"({'meets' if e2e >= TARGET_E2E else 'BELOW'} the target of {TARGET_E2E})")
    say(f"ratio acknowledged beside the worker / raw:  {spread('ack_ratio')}  "
        f"({'meets' if ack >= TARGET_ACK else 'BELOW'} the target of {TARGET_ACK})")
    say(f"worker CPU per callback, ms:                 {spread('worker_ms')}  "
        f"({'meets' if worker <= TARGET_WORKER_MS else 'ABOVE'} the target of {TARGET_WORKER_MS})")
    say(f"web CPU per callback, ms:                    {spread('web_ms')}")
    say(f"PostgreSQL CPU per callback (machine), ms:   {spread('postgres_ms')}")
    say(f"webhook p99 under load, ms:                  {spread('p99_ms', digits=1)}")
    if "backlog_rps" in rounds[0]:
        for r in rounds:
            r["backlog_ratio"] = r["backlog_rps"] / r["raw_rps"]
        say(f"worker draining a backlog (full batches), /s: {spread('backlog_rps', digits=0)}")
        say(f"  the same / raw:                            {spread('backlog_ratio')}")
        say(f"  worker CPU per callback, ms:               {spread('backlog_worker_ms')}")


if __name__ == "__main__":
    sys.exit(main())
