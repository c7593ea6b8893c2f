"""Per-number rate limit: with several Celery workers sending from one number limited to R messages/s,
the simulator must see that number's sends at R (within 5%) over a minute, with no bursts.

    .venv/bin/python bench/rate_limit.py [--rate 5] [--seconds 60] [--workers 4]

Builds a fresh database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_rate),
its own redis-server (the limiter's state lives there), the simulator (no faults, nobody called back) and
`--workers` separate Celery worker processes (prefork, concurrency 1 each, so every slot is contended
for by independent processes through Redis). One sender number with rate_per_second = R. The bench
queues R x (seconds + 6) messages at once with compose.queue_message (the hardest case: the whole
backlog asks for slots in the first second), waits until all are sent, then measures from the
simulator's own record of acceptance times (`receivedAt`, millisecond resolution):

    rate      messages accepted in the first `--seconds` after the first acceptance, divided by `--seconds`
    burst     the most acceptances in any 1-second window (R, or R+1 at a window's edge, is right)
    gaps      the shortest and median time between consecutive acceptances (1/R is right)

Exit status: 0 the rate held within `--tolerance`; 1 could not measure; 2 the rate or the burst was off,
or a message was lost or sent twice.
"""

import argparse
import bisect
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import outbound_common as oc  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=5.0, help="R: the number's messages per second")
    parser.add_argument("--seconds", type=int, default=60, help="the measured window")
    parser.add_argument("--workers", type=int, default=4, help="separate worker processes (concurrency 1)")
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if not (0.1 <= args.rate <= 100 and 10 <= args.seconds <= 600 and 1 <= args.workers <= 8):
        parser.error("--rate 0.1..100, --seconds 10..600, --workers 1..8")
    return args


def main() -> int:
    args = parse_args()
    oc.raise_on_sigterm()
    env: dict = {}
    count = math.ceil(args.rate * (args.seconds + 6))
    oc.say(f"machine: {oc.common.machine()}")
    oc.say(f"{args.workers} Celery workers (prefork, concurrency 1 each); one sender number at R = {args.rate:g}/s; "
           f"{count} messages queued at once; window {args.seconds} s")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-rate-") as logs, oc.Stack(Path(logs)) as stack:
            stack.start_redis()
            stack.start_simulator("--seed", "1")
            env = stack.configure_env(oc.database_url("portal_bench_rate"))
            oc.prepare_database(env)
            seeded = oc.seed(slug="bench-rate", senders=1, rate=args.rate, sim_url=stack.sim_url, callbacks=False)
            for number in range(1, args.workers + 1):
                stack.start_worker(f"rate{number}", 1)
            uids = queue(seeded, count)
            wait_sent(seeded, count, timeout=count / args.rate + 120)
            records = oc.simulator_messages(stack.sim_url)
            problems = check_once(records, uids)
            problems += measure([r for r in records if r["message"]["from"] == seeded.senders[0]], args)
            for problem in problems:
                oc.say(f"FAILED: {problem}")
            return 2 if problems else 0
    except oc.CannotMeasure as exc:
        oc.say(f"COULD NOT MEASURE: {exc}")
        return 1
    except KeyboardInterrupt:
        oc.say("interrupted: everything started was stopped")
        return 1
    finally:
        oc.cleanup_database(env, args.keep_database)


def queue(seeded, count: int) -> set[str]:
    from django_tenants.utils import tenant_context

    from messaging.models import Extension
    from messaging.services.outbound import compose

    dests = oc.destinations(20)
    started = time.monotonic()
    with tenant_context(seeded.tenant):
        extension = Extension.objects.get(number=seeded.extensions[0])
        uids = {str(compose.queue_message(extension=extension, to=[dests[i % 20]], text=f"rate test {i}").uid)
                for i in range(count)}
    oc.say(f"queued {count} messages in {time.monotonic() - started:.1f} s")
    return uids


def wait_sent(seeded, count: int, timeout: float) -> None:
    last = [0.0]

    def done():
        counts = oc.status_counts(seeded.tenant)
        final = sum(counts.get(status, 0) for status in oc.FINAL)
        if time.monotonic() - last[0] > 15:
            last[0] = time.monotonic()
            oc.say(f"  {final}/{count} sent  {counts}")
        return final >= count

    oc.wait_until(done, timeout=timeout, what=f"all {count} messages sent", every=1)


def check_once(records: list[dict], uids: set[str]) -> list[str]:
    tags = [r["tag"] for r in records]
    missing, twice = uids - set(tags), len(tags) - len(set(tags))
    oc.say(f"simulator accepted {len(tags)} sends for {len(uids)} queued messages: {len(missing)} missing, "
           f"{twice} duplicate sends")
    return [f"{len(missing)} messages never accepted, {twice} duplicates"] if missing or twice else []


def measure(records: list[dict], args) -> list[str]:
    times = oc.accepted_times(records)
    if len(times) < 2:
        raise oc.CannotMeasure("fewer than two acceptances")
    start = times[0]
    window = [t for t in times if t < start + args.seconds]
    if times[-1] < start + args.seconds:
        raise oc.CannotMeasure(f"sending lasted only {times[-1] - start:.1f} s, less than the {args.seconds} s window")
    rate = len(window) / args.seconds
    overall = (len(times) - 1) / (times[-1] - start)
    burst = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    buckets = [sum(1 for t in window if start + s <= t < start + s + 10) / 10 for s in range(0, args.seconds, 10)]
    error = rate / args.rate - 1
    oc.say("")
    oc.say(f"rate over the first {args.seconds} s: {rate:.3f}/s (R = {args.rate:g}/s, {error:+.1%}); "
           f"over all {len(times)} sends ({times[-1] - start:.1f} s): {overall:.3f}/s")
    oc.say(f"per 10 s: {', '.join(f'{b:.1f}' for b in buckets)}")
    oc.say(f"most sends in any 1 s window: {burst} (R = {args.rate:g}); gaps between sends: shortest "
           f"{1000 * min(gaps):.0f} ms, median {1000 * statistics.median(gaps):.0f} ms, "
           f"longest {1000 * max(gaps):.0f} ms (1/R = {1000 / args.rate:.0f} ms)")
    problems = []
    if abs(error) > args.tolerance:
        problems.append(f"rate {rate:.3f}/s is {error:+.1%} off R = {args.rate:g}/s (tolerance {args.tolerance:.0%})")
    if burst > math.ceil(args.rate) + 1:
        problems.append(f"{burst} sends within one second (R = {args.rate:g}/s)")
    if not problems:
        oc.say(f"the limit held: within {args.tolerance:.0%} of R, no burst")
    return problems


if __name__ == "__main__":
    sys.exit(main())
