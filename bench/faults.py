"""Faults: 1,000 messages sent through the API while a Celery worker is SIGKILLed, Redis is restarted
empty and Bandwidth (the simulator) refuses 30% of sends and loses the answer to 5% of accepted ones.
Afterwards every message must have been accepted by the simulator exactly once and have ended `sent`,
`delivered` or `failed` with a reason.

    .venv/bin/python bench/faults.py [--messages 1000] [--post-rate 25] [--timeout 1200]

Builds a fresh database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_faults)
and starts, on 127.0.0.1: its own redis-server (persistence off: a restart loses every queued task, the
limiter's state and the token cache), the simulator (`--error-rate` of sends answered 429 or 5xx in equal
shares, `--drop-rate` of accepted sends left unanswered with the connection closed, `--latency-ms` per
answer, callbacks to the portal unless `--no-callbacks`), gunicorn (2 sync workers: API and webhook),
Celery worker A (prefork, concurrency 2) and Celery beat (the sweeper every 30 s, as configured).
SMS_STUCK_AFTER_SECONDS is 30 (a `sending` row older than that is handed to reconciliation); the other
delays are the code's own (a retry after 2, 4, 8 ... s; the first check of an unknown outcome after
60 s; a send certainly lost only after 2 minutes). The run:

1. posts `--messages` messages to POST /t/<slug>/api/v1/messages/ at `--post-rate` per second from
   4 threads, 10 sender extensions to 20 destinations, text "faults #<n>"; no client retries;
2. at 30% posted: waits for a row in `sending`, SIGKILLs worker A's whole process group, starts worker B;
3. at 60% posted: kills redis-server and starts it again, empty, 3 s later;
4. waits until every message is `sent`, `delivered` or `failed` (or `--timeout`), then compares the
   portal's rows with the simulator's record (by `tag`, Bandwidth's id, and the text).

Exit status: 0 nothing lost or duplicated; 1 could not measure; 2 a message was lost, sent twice,
attributed to another message's send, marked failed although it was sent, or did not settle in time.
"""

import argparse
import collections
import re
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import outbound_common as oc  # noqa: E402

TEXT = re.compile(r"^faults #(\d+)$")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--post-rate", type=float, default=25.0, help="API posts per second")
    parser.add_argument("--error-rate", type=float, default=0.30, help="sends answered 429 or 5xx")
    parser.add_argument("--drop-rate", type=float, default=0.05, help="accepted sends left unanswered")
    parser.add_argument("--latency-ms", type=float, default=10.0, help="simulator latency per answer")
    parser.add_argument("--no-callbacks", action="store_true", help="no delivery callbacks: only "
                        "reconciliation can settle a lost answer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=1200, help="seconds to wait for every message to settle")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder")
    args = parser.parse_args()
    if not (10 <= args.messages <= 20_000 and 0 <= args.error_rate < 1 and 0 <= args.drop_rate < 1):
        parser.error("--messages 10..20000, rates 0..1")
    return args


def main() -> int:
    args = parse_args()
    oc.raise_on_sigterm()
    env: dict = {}
    rate_429 = args.error_rate / 2
    rate_5xx = (args.error_rate - rate_429) / (1 - rate_429)  # the simulator draws 429 first, then 5xx
    oc.say(f"machine: {oc.common.machine()}")
    oc.say(f"{args.messages} messages via the API at {args.post_rate:g}/s; simulator: {rate_429:.0%} 429, then "
           f"{rate_5xx:.1%} of the rest 5xx, {args.drop_rate:.0%} of accepted sends dropped, latency "
           f"{args.latency_ms:g} ms, callbacks {'off' if args.no_callbacks else 'on'}; Celery: worker A "
           f"(prefork x2) SIGKILLed at 30%, worker B (prefork x2) started; beat; Redis restarted at 60%")
    try:
        with oc.log_dir(args.logs, "bench-faults-") as logs, oc.Stack(logs) as stack:
            stack.start_redis()
            stack.start_simulator("--seed", str(args.seed), "--rate-limit-rate", f"{rate_429}", "--failure-rate",
                                  f"{rate_5xx}", "--drop-rate", str(args.drop_rate), "--latency-ms",
                                  str(args.latency_ms))
            env = stack.configure_env(oc.database_url("portal_bench_faults"), SMS_STUCK_AFTER_SECONDS="30")
            oc.prepare_database(env)
            seeded = oc.seed(slug="bench-faults", senders=10, rate=100.0, sim_url=stack.sim_url,
                             callbacks=not args.no_callbacks)
            with stack.gunicorn(workers=2):
                stack.start_worker("workerA", 2)
                stack.start_beat()
                answers, killed = run_chaos(stack, seeded, args)
                settled = wait_settled(stack, seeded, args)
            problems = verify(stack, seeded, answers, killed)
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
    finally:
        oc.cleanup_database(env, args.keep_database)


def run_chaos(stack, seeded, args) -> tuple[dict[int, int], list[int]]:
    """Post every message (background threads) and do the faults on the way. Returns index -> HTTP status
    and the ids of the messages that were `sending` when the worker was killed."""
    answers: dict[int, int] = {}
    url = f"http://127.0.0.1:{stack.web_port}/t/{seeded.slug}/api/v1/messages/"
    dests = oc.destinations(20)
    started = time.monotonic()

    def post(indexes):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {seeded.api_token}"
            for i in indexes:
                time.sleep(max(0.0, started + i / args.post_rate - time.monotonic()))
                body = {"from_extension": seeded.extensions[i % len(seeded.extensions)], "to": [dests[i % 20]],
                        "text": f"faults #{i}"}
                try:
                    answers[i] = session.post(url, json=body, timeout=30).status_code
                except requests.RequestException:
                    answers[i] = 0

    threads = [threading.Thread(target=post, args=(range(k, args.messages, 4),), daemon=True) for k in range(4)]
    for thread in threads:
        thread.start()
    wait_posted(answers, 0.3 * args.messages)
    killed = kill_worker(stack, seeded)
    wait_posted(answers, 0.6 * args.messages)
    oc.say(f"[{time.monotonic() - started:5.1f} s] restarting Redis (down 3 s, comes back empty)")
    stack.restart_redis(3.0)
    for thread in threads:
        thread.join()
    statuses = collections.Counter(answers.values())
    oc.say(f"[{time.monotonic() - started:5.1f} s] posted {len(answers)}: HTTP answers {dict(statuses)}")
    return answers, killed


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
        if stack.children.get("beat") is None or stack.children["beat"].poll() is not None:
            raise oc.CannotMeasure(f"Celery beat exited:\n{stack.tail('beat')}")
        if sum(counts.values()) and all(status in oc.FINAL for status in counts):
            return time.monotonic() - started
        if time.monotonic() - last >= 20:
            last = time.monotonic()
            oc.say(f"  [{last - started:4.0f} s after the last post] {counts}")
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
