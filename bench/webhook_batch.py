"""One big callback: how long Bandwidth waits for our answer to 1,000 new events in one request.

    .venv/bin/python bench/webhook_batch.py [--events 1000] [--rounds 5]

Builds a fresh database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_batch),
seeds one tenant with an SMS configuration (callback credentials set), starts gunicorn in production mode
as bench/common.py does, then posts one callback of --events new message-received events (every event
unique) --rounds times, after one warm-up post, and prints each acknowledgement time and their median.
Celery is not running: the hand-offs wait in Redis (BENCH_REDIS_URL, default db 10), flushed at the end.
Issue 10's target: under 1 s for 1,000 events (it was 9-13 s with one publish per event).

Exit status: 0 measured; 1 could not measure; 2 an answer was not 200 or the inbox does not hold the events.
"""

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_batch"
REDIS_URL = "redis://127.0.0.1:6379/10"
TARGET_SECONDS = 1.0


def callback_body(events: int, run_id: str) -> bytes:
    return json.dumps([
        {"type": "message-received", "time": "2026-11-24T10:00:00.000Z", "description": "Incoming message received",
         "to": "+19195550100",
         "message": {"id": f"{run_id}-{i}", "time": "2026-11-24T10:00:00.000Z", "to": ["+19195550100"],
                     "from": "+19195550142", "text": f"Batch message {i}", "direction": "in", "segmentCount": 1,
                     "applicationId": "93de2206-9669-4e07-948d-329f4b722ee2", "owner": "+19195550100"}}
        for i in range(events)
    ]).encode()


def post(port: int, path: str, body: bytes) -> tuple[float, int, dict]:
    credentials = base64.b64encode(f"{common.CALLBACK_USER}:{common.CALLBACK_PASSWORD}".encode()).decode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Basic {credentials}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            payload, status = answer.read(), answer.status
    except urllib.error.HTTPError as exc:
        payload, status = exc.read(), exc.code
    elapsed = time.perf_counter() - started
    try:
        return elapsed, status, json.loads(payload)
    except ValueError:
        return elapsed, status, {"body": payload[:200].decode(errors="replace")}


def stored_events(schema: str, run_id: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema}".messaging_webhookevent WHERE carrier_message_id LIKE %s',
                       [f"{run_id}-%"])
        return cursor.fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="events per callback (the webhook takes 1..1000)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    port = common.free_port()
    env = common.production_env(database_url, redis_url, port)
    common.say(f"machine: {common.machine()}; {common.load_average()}")
    problems = []
    try:
        common.check_redis(redis_url)
        common.recreate_database(database_url)
        common.prepare(env)
        schema, path = common.seed_tenant(1)
        common.close_django_connections()
        with tempfile.TemporaryDirectory(prefix="bench-") as logs, common.gunicorn(
            env, port, workers=args.workers, log_dir=Path(logs)
        ):
            post(port, path, callback_body(args.events, "warm-up"))
            times = []
            for round_number in range(args.rounds):
                run_id = uuid.uuid4().hex[:12]
                elapsed, status, answer = post(port, path, callback_body(args.events, run_id))
                held = stored_events(schema, run_id)
                common.say(f"round {round_number + 1}: {elapsed * 1000:7.1f} ms, HTTP {status}, {answer}, "
                           f"{held} in the inbox")
                if status != 200 or held != args.events:
                    problems.append(f"round {round_number + 1}: HTTP {status}, {held} of {args.events} stored")
                times.append(elapsed)
        median = statistics.median(times)
        common.say(f"median acknowledgement of {args.events} new events in one callback: {median * 1000:.0f} ms "
                   f"({'meets' if median < TARGET_SECONDS else 'ABOVE'} the target of {TARGET_SECONDS:.0f} s)")
        for problem in problems:
            common.say("FAILED: " + problem)
        return 2 if problems else 0
    except common.CannotMeasure as exc:
        common.say(f"COULD NOT MEASURE: {exc}")
        return 1
    finally:
        common.clean_up(database_url, redis_url)


if __name__ == "__main__":
    sys.exit(main())
