"""Faults: 1,000 messages sent through the API and 1,000 inbound callbacks posted to the webhook while a
Celery worker is SIGKILLed, Redis is restarted empty, Redis hangs for 20 s, PostgreSQL restarts, and
Bandwidth (the simulator) refuses 30% of sends and loses the answer to 5% of accepted ones. Afterwards
every message must have been accepted by the simulator exactly once and have ended `sent`, `delivered`
or `failed` with a reason; every acknowledged inbound event must be stored once and every inbound
carrier message be one Message; every webhook answer must come within 2 s.

    .venv/bin/python bench/faults.py [--messages 1000] [--callbacks 1000] [--post-rate 10] [--timeout 1200]
    .venv/bin/python bench/faults.py --broker rabbitmq     # the same with RabbitMQ as the Celery broker

Starts, on 127.0.0.1: a private PostgreSQL cluster (initdb in a temporary folder, its own port: the
restart stops nobody else's database; as root it runs as the `postgres` user), its own redis-server
(persistence off: a restart loses every queued task, the limiter's state and the token cache), the
simulator (`--error-rate` of sends answered 429 or 5xx in equal shares, `--drop-rate` of accepted sends
left unanswered with the connection closed, `--latency-ms` per answer, delivery callbacks to the portal
unless `--no-callbacks`), and the portal's processes as production starts them (portal/processes.py:
`python -m portal.processes web|worker|beat`): web (2 sync gunicorn workers: API and webhook), worker A
(prefork, concurrency 2) and beat as its own process (the outbound sweeper every 30 s, the inbound one
every 60 s). SMS_STUCK_AFTER_SECONDS is 30 (a `sending` row older than that is handed to reconciliation);
the other delays are the code's own. The run:

1. posts `--messages` messages to POST /t/<slug>/api/v1/messages/ at `--post-rate` per second from
   4 threads, 10 sender extensions to 20 destinations, text "faults #<n>", no client retries; at the
   same time posts `--callbacks` `message-received` callbacks to the webhook over the same period from
   4 threads (bench/faults_inbound.py: `--group-share` of the messages to two of our numbers, one
   callback per recipient; `--redeliver-share` of the callbacks posted twice), every answer timed;
2. at 20% of the sends posted: waits for a row in `sending`, SIGKILLs worker A's process group, starts
   worker B the same way;
3. at 40%: kills redis-server and starts it again, empty, 3 s later;
4. at 60%: SIGSTOPs redis-server for `--hang-seconds` (20), then SIGCONT: Redis accepts connections but
   answers nothing;
5. at 80%: restarts PostgreSQL (`pg_ctl restart -m fast`);
With `--broker rabbitmq` Celery's broker is a private RabbitMQ node (bench/faults_inbound.py: its own ports,
data and cookie; quorum queues, as the settings declare them for an amqp:// CELERY_BROKER_URL) and Redis
keeps the cache, the rate limiter and the live channel. Then step 3 SIGKILLs the RabbitMQ node and starts it
again on its data 3 s later, Redis is restarted empty at 50%, and at 70% RabbitMQ is SIGSTOPped for
`--hang-seconds` as Redis is at 60%.
6. posts again every callback not answered 200 (as Bandwidth retries), waits until every message is
   `sent`, `delivered` or `failed` and every inbound event is processed (or `--timeout`), then compares
   the portal's rows with the simulator's record (by `tag`, Bandwidth's id, and the text) and with the
   callbacks posted.

A webhook answer other than 200 while PostgreSQL restarts is expected (Bandwidth retries it): counted
apart, not a failure. Any other 5xx, any answer over 2 s, anything acknowledged and lost is.

Exit status: 0 nothing lost or duplicated; 1 could not measure; 2 a message was lost, sent twice,
attributed to another message's send, marked failed although it was sent, or did not settle in time; an
inbound event or message was lost or duplicated; a webhook answer was a 5xx or slower than 2 s.
"""

import argparse
import collections
import contextlib
import os
import re
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faults_inbound as inbound  # noqa: E402
import outbound_common as oc  # noqa: E402

TEXT = re.compile(r"^faults #(\d+)$")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--callbacks", type=int, default=1000, help="inbound callbacks posted to the webhook")
    parser.add_argument("--post-rate", type=float, default=10.0, help="API posts per second (the callbacks are "
                        "posted over the same period): 10/s spreads the faults over 100 s")
    parser.add_argument("--group-share", type=float, default=0.15, help="inbound messages to two of our numbers")
    parser.add_argument("--redeliver-share", type=float, default=0.05, help="callbacks posted twice")
    parser.add_argument("--hang-seconds", type=float, default=20.0, help="how long Redis is SIGSTOPped")
    parser.add_argument("--error-rate", type=float, default=0.30, help="sends answered 429 or 5xx")
    parser.add_argument("--drop-rate", type=float, default=0.05, help="accepted sends left unanswered")
    parser.add_argument("--latency-ms", type=float, default=10.0, help="simulator latency per answer")
    parser.add_argument("--no-callbacks", action="store_true", help="no delivery callbacks: only "
                        "reconciliation can settle a lost answer")
    parser.add_argument("--broker", choices=("redis", "rabbitmq"), default="redis",
                        help="Celery's broker: the private redis-server, or a private RabbitMQ node")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=1200, help="seconds to wait for every message to settle")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder")
    args = parser.parse_args()
    if not (10 <= args.messages <= 20_000 and 0 <= args.callbacks <= 20_000 and 0 <= args.error_rate < 1
            and 0 <= args.drop_rate < 1 and 0 <= args.group_share <= 1 and 0 <= args.redeliver_share <= 1):
        parser.error("--messages 10..20000, --callbacks 0..20000, rates and shares 0..1")
    return args


def main() -> int:
    args = parse_args()
    oc.raise_on_sigterm()
    env: dict = {}
    rate_429 = args.error_rate / 2
    rate_5xx = (args.error_rate - rate_429) / (1 - rate_429)  # the simulator draws 429 first, then 5xx
    rabbit = args.broker == "rabbitmq"
    broker_faults = ("RabbitMQ SIGKILLed and restarted at 40%, Redis restarted empty at 50%, " if rabbit
                     else "Redis restarted empty at 40%, ")
    rabbit_hang = ", RabbitMQ hung as long at 70%" if rabbit else ""
    oc.say(f"machine: {oc.common.machine()}")
    oc.say(f"{args.messages} messages via the API at {args.post_rate:g}/s; simulator: {rate_429:.0%} 429, then "
           f"{rate_5xx:.1%} of the rest 5xx, {args.drop_rate:.0%} of accepted sends dropped, latency "
           f"{args.latency_ms:g} ms, callbacks {'off' if args.no_callbacks else 'on'}; Celery: worker A "
           f"(prefork x2) SIGKILLed at 20%, worker B (prefork x2) started; beat; broker {args.broker}; "
           f"{broker_faults}Redis hung {args.hang_seconds:g} s at 60%{rabbit_hang}; "
           f"PostgreSQL restarted at 80%; {args.callbacks} inbound callbacks "
           f"({args.group_share:.0%} group messages, {args.redeliver_share:.0%} posted twice)")
    try:
        with (oc.log_dir(args.logs, "bench-faults-") as logs, oc.Stack(logs) as stack,
              inbound.PrivatePostgres(logs, keep=args.keep_database) as postgres,
              (inbound.PrivateRabbitMQ(logs) if args.broker == "rabbitmq" else contextlib.nullcontext()) as rabbitmq):
            stack.start_redis()
            stack.start_simulator("--seed", str(args.seed), "--rate-limit-rate", f"{rate_429}", "--failure-rate",
                                  f"{rate_5xx}", "--drop-rate", str(args.drop_rate), "--latency-ms",
                                  str(args.latency_ms))
            broker = {"CELERY_BROKER_URL": rabbitmq.url} if rabbitmq else {}
            env = stack.configure_env(postgres.url("portal_bench_faults"), SMS_STUCK_AFTER_SECONDS="30", **broker)
            try:
                oc.prepare_database(env)
                seeded = oc.seed(slug="bench-faults", senders=10, rate=100.0, sim_url=stack.sim_url,
                                 callbacks=not args.no_callbacks)
                callbacks = inbound.plan(args.callbacks, seeded.senders, group_share=args.group_share, seed=args.seed)
                with stack.gunicorn(workers=2):
                    stack.start_worker("workerA", 2)
                    stack.start_beat()
                    answers, killed, poster, outages = run_chaos(stack, postgres, rabbitmq, seeded, callbacks, args)
                    settled = wait_settled(stack, seeded, args)
                problems = verify(stack, seeded, answers, killed)
                inbound_problems, lines = inbound.verify(seeded.tenant, callbacks, outages)
                problems += inbound_problems
            finally:
                oc.cleanup_database(env, args.keep_database)
            for line in lines:
                oc.say(line)
            oc.say("faults (s after the first post): " + ", ".join(f"{n} {a:.1f}-{b:.1f}" for n, a, b in outages))
            oc.say(f"settled {settled:.0f} s after the last post" if settled is not None else "NOT SETTLED")
            for problem in problems:
                oc.say(f"FAILED: {problem}")
            if problems:
                oc.say("worker and beat logs (tails):\n" + "\n".join(
                    stack.tail(name, 15) for name in ("workerA", "workerB", "beat")))
            return 2 if problems else 0
    except oc.CannotMeasure as exc:
        oc.say(f"COULD NOT MEASURE: {exc}")
        return 1
    except KeyboardInterrupt:
        oc.say("interrupted: everything started was stopped")
        return 1


def run_chaos(stack, postgres, rabbitmq, seeded, callbacks, args):
    """Post every message and every callback (background threads) and do the faults on the way. Returns
    index -> (HTTP status, seconds), the ids of the messages that were `sending` when the worker was
    killed, the callbacks' poster, and the faults as (name, start, end) on the poster's clock."""
    answers: dict[int, tuple[int, float]] = {}
    url = f"http://127.0.0.1:{stack.web_port}/t/{seeded.slug}/api/v1/messages/"
    dests = oc.destinations(20)
    duration = args.messages / args.post_rate
    poster = inbound.Poster(seeded.webhook_url, callbacks, rate=max(1.0, len(callbacks) / duration),
                            redeliver_share=args.redeliver_share, seed=args.seed)
    started = time.monotonic()
    outages: list[tuple[str, float, float]] = []

    def post(indexes):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {seeded.api_token}"
            for i in indexes:
                time.sleep(max(0.0, started + i / args.post_rate - time.monotonic()))
                body = {"from_extension": seeded.extensions[i % len(seeded.extensions)], "to": [dests[i % 20]],
                        "text": f"faults #{i}"}
                began = time.monotonic()
                try:
                    status = session.post(url, json=body, timeout=30).status_code
                except requests.RequestException:
                    status = 0
                answers[i] = (status, time.monotonic() - began)

    def fault(name: str, action) -> None:
        begin = poster.clock()
        oc.say(f"[{begin:5.1f} s] {name}")
        action()
        outages.append((name.split()[0], begin, poster.clock()))

    threads = [threading.Thread(target=post, args=(range(k, args.messages, 4),), daemon=True) for k in range(4)]
    poster.start()
    for thread in threads:
        thread.start()
    wait_posted(answers, 0.2 * args.messages)
    killed: list[int] = []
    fault("worker SIGKILL (worker B started)", lambda: killed.extend(kill_worker(stack, seeded)))
    wait_posted(answers, 0.4 * args.messages)
    if rabbitmq:
        fault("rabbitmq restart (SIGKILL, started again on its data 3 s later)",
              lambda: oc.say(f"  RabbitMQ back after {rabbitmq.restart(3.0):.1f} s"))
        wait_posted(answers, 0.5 * args.messages)
    fault("redis restart (down 3 s, comes back empty)", lambda: stack.restart_redis(3.0))
    wait_posted(answers, 0.6 * args.messages)
    fault(f"redis hang (SIGSTOP for {args.hang_seconds:g} s)", lambda: hang_redis(stack, args.hang_seconds))
    if rabbitmq:
        wait_posted(answers, 0.7 * args.messages)
        fault(f"rabbitmq hang (SIGSTOP for {args.hang_seconds:g} s)", lambda: rabbitmq.pause(args.hang_seconds))
    wait_posted(answers, 0.8 * args.messages)
    fault("postgres restart (pg_ctl restart -m fast)", lambda: restart_postgres(postgres))
    for thread in threads:
        thread.join()
    poster.join()
    statuses = collections.Counter(status for status, _ in answers.values())
    times = sorted(seconds for _, seconds in answers.values())
    oc.say(f"[{poster.clock():5.1f} s] posted {len(answers)} sends: HTTP answers {dict(statuses)}, time median "
           f"{statistics.median(times) * 1000:.0f} ms, p99 {times[int(0.99 * len(times)) - 1] * 1000:.0f} ms, "
           f"max {times[-1] * 1000:.0f} ms; {poster.done} callbacks posted")
    again = poster.retry_unacknowledged()
    oc.say(f"[{poster.clock():5.1f} s] posted again the {again} callback(s) not answered 200")
    return {i: status for i, (status, _) in answers.items()}, killed, poster, outages


def hang_redis(stack, seconds: float) -> None:
    """Redis accepts connections (the kernel does) but answers nothing until SIGCONT."""
    pid = stack.children["redis"].pid
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(pid, signal.SIGCONT)


def restart_postgres(postgres) -> None:
    took = postgres.restart()
    oc.common.close_django_connections()  # this process's own connection died with the server
    oc.say(f"  PostgreSQL back after {took:.1f} s")


def wait_posted(answers: dict, count: float) -> None:
    oc.wait_until(lambda: len(answers) >= count, timeout=600, what=f"{count:.0f} messages posted", every=0.05)


def kill_worker(stack, seeded) -> list[int]:
    from django_tenants.utils import tenant_context

    from messaging.models import Message

    with tenant_context(seeded.tenant):
        sending = Message.objects.filter(status="sending").values_list("pk", flat=True)
        deadline = time.monotonic() + 15
        while not (ids := list(sending.all())) and time.monotonic() < deadline:  # .all(): a fresh query
            time.sleep(0.002)
        stack.kill("workerA")
        counts = oc.status_counts(seeded.tenant)
    oc.say(f"SIGKILLed worker A (process group) with message(s) {ids or 'none'} in `sending`; statuses then {counts}")
    time.sleep(1)
    stack.start_worker("workerB", 2)
    oc.say("started worker B")
    return ids


def wait_settled(stack, seeded, args) -> float | None:
    started = time.monotonic()
    last = 0.0
    while time.monotonic() - started < args.timeout:
        counts = oc.status_counts(seeded.tenant)
        waiting = inbound.pending_events(seeded.tenant)
        if stack.children.get("beat") is None or stack.children["beat"].poll() is not None:
            raise oc.CannotMeasure(f"Celery beat exited:\n{stack.tail('beat')}")
        if sum(counts.values()) and all(status in oc.FINAL for status in counts) and not waiting:
            return time.monotonic() - started
        if time.monotonic() - last >= 20:
            last = time.monotonic()
            oc.say(f"  [{last - started:4.0f} s after the last post] {counts}; inbound events waiting: {waiting}")
        time.sleep(1)
    return None


def verify(stack, seeded, answers: dict[int, int], killed: list[int]) -> list[str]:
    from django_tenants.utils import tenant_context

    from messaging.models import Message

    records = oc.simulator_messages(stack.sim_url)
    by_tag = collections.Counter(r["tag"] for r in records)
    by_text = collections.Counter(r["body"].get("text", "") for r in records)
    sim_id_tag = {r["id"]: r["tag"] for r in records}
    dropped = {r["tag"] for r in records if r["dropped"]}
    with tenant_context(seeded.tenant):
        rows = list(Message.objects.filter(direction="out").values(
            "pk", "uid", "text", "status", "provider_message_id", "error_description", "attempts"))
    rows_by_text = collections.Counter(row["text"] for row in rows)
    problems: list[str] = []

    def problem(kind: str, items: list) -> None:
        if items:
            problems.append(f"{len(items)} {kind}: {items[:8]}")

    problem("messages not settled (still queued/sending/unknown)",
            [(r["pk"], r["status"], r["error_description"][:80]) for r in rows if r["status"] not in oc.FINAL])
    problem("sent/delivered but never accepted by the simulator (lost)",
            [r["pk"] for r in rows if r["status"] in ("sent", "delivered") and by_tag[str(r["uid"])] == 0])
    problem("accepted more than once (duplicate sends)",
            [(r["pk"], by_tag[str(r["uid"])]) for r in rows if by_tag[str(r["uid"])] > 1])
    problem("texts accepted more than once", [t for t, n in by_text.items() if n > 1])
    failed = [r for r in rows if r["status"] == "failed"]
    problem("failed without a reason", [r["pk"] for r in failed if not r["error_description"]])
    problem("marked failed although the simulator accepted them",
            [(r["pk"], r["error_description"][:100]) for r in failed if by_tag[str(r["uid"])]])
    pk_of = {str(r["uid"]): r["pk"] for r in rows}
    problem("carrying Bandwidth's id of another message's send (message: id, whose send it was)",
            [(r["pk"], r["provider_message_id"], pk_of.get(sim_id_tag.get(r["provider_message_id"])))
             for r in rows if r["provider_message_id"] and sim_id_tag.get(r["provider_message_id"]) != str(r["uid"])])
    problem("texts stored twice by the API", [t for t, n in rows_by_text.items() if n > 1])
    acked = {i for i, status in answers.items() if status == 202}
    problem("answered 202 but not stored", [i for i in acked if rows_by_text[f"faults #{i}"] == 0])
    unanswered = sorted(i for i in answers if i not in acked)
    stored_anyway = [i for i in unanswered if rows_by_text[f"faults #{i}"]]

    statuses = collections.Counter(r["status"] for r in rows)
    reasons = collections.Counter(r["error_description"][:90] for r in failed)
    attempts = collections.Counter(r["attempts"] for r in rows)
    oc.say("")
    other = dict(collections.Counter(answers[i] for i in unanswered))
    oc.say(f"API: {len(acked)} answered 202, {len(unanswered)} not ({other}), of which {len(stored_anyway)} were "
           f"stored and sent anyway (messages {stored_anyway[:10]})")
    oc.say(f"portal: {len(rows)} messages, statuses {dict(statuses)}; attempts per message "
           f"{dict(sorted(attempts.items()))}")
    for reason, n in reasons.most_common(5):
        oc.say(f"  failed x{n}: {reason}")
    oc.say(f"simulator: {len(records)} accepted sends for {len(by_tag)} tags ({len(dropped)} answers dropped), "
           f"{sum(n - 1 for n in by_tag.values() if n > 1)} duplicates")
    for row in (r for r in rows if r["pk"] in killed):
        oc.say(f"message {row['pk']} (`sending` when its worker was killed): {row['status']}, {row['attempts']} "
               f"attempt(s), accepted {by_tag[str(row['uid'])]}x by the simulator")
    lost = sum(1 for r in rows if r["status"] in ("sent", "delivered") and by_tag[str(r["uid"])] == 0)
    oc.say(f"lost: {lost}   duplicated: {sum(1 for n in by_tag.values() if n > 1)}   problems: {len(problems)}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
