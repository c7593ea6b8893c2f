"""The Messages screen, the messages API and the Inbox at 1,000,000 messages: how long their pages take.

    .venv/bin/python bench/messages_page.py [--messages 1000000] [--baseline 100000] [--rounds 10] [--explain]

Creates its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_pages)
with two tenants: `big` with --messages messages and `small` with --baseline messages, shaped alike (20
extensions, one conversation per 20 messages, a third inbound, 1 in 40 inbound unrouted, one recipient per
outbound message, routed_to links, the administrator and an extension user having read 9 conversations in
10). Rows are made with INSERT ... SELECT generate_series, so a million take a minute or two, not hours.

Then times each page (the Messages screen with every filter and an older keyset page, the API list, the
Inbox of the administrator and of an extension user with its filters, the unread badge) through Django's
test client with production settings, in interleaved rounds (big, small, big, small...). Prints the median
and the worst of the rounds in milliseconds per page and tenant, and the ratio big / small of the medians:
the baseline is the same page over the same middleware and code at a tenth of the rows, so the ratio is
what grows with the row count. --explain prints, for each page of the big tenant, its slowest SQL
statement and that statement's EXPLAIN ANALYZE. Exits 1 when it could not measure. Drops the database.
"""

import argparse
import contextlib
import io
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_pages"
EXTENSIONS = 20
MESSAGES_PER_CONVERSATION = 20
PASSWORD = secrets.token_urlsafe(16)


def seed(*, messages: int, admin_id: int, reader_id: int) -> None:
    """Extensions, conversations, messages, recipients, routed_to links and read marks, set-based."""
    from django.db import connection

    conversations = max(1, messages // MESSAGES_PER_CONVERSATION)
    e, c, n = EXTENSIONS, conversations, messages
    statements = [
        f"""INSERT INTO messaging_extension (id, number, name, send_sms, sender_id, created_at, updated_at)
            SELECT x, (100 + x)::text, 'Extension ' || x, 'allowed', '', now(), now() FROM generate_series(1, {e}) x""",
        f"""INSERT INTO messaging_conversation (id, our_number, participants, created_at)
            SELECT k, '+1919555' || lpad((100 + k % {e} + 1)::text, 4, '0'), ARRAY['+1984' || lpad(k::text, 7, '0')],
                   now() FROM generate_series(1, {c}) k""",
        f"""INSERT INTO messaging_conversation_extensions (conversation_id, extension_id)
            SELECT k, k % {e} + 1 FROM generate_series(1, {c}) k""",
        # Message i (1 oldest .. n newest, ids in time order) goes to conversation (i * 7919) mod c + 1: every
        # conversation gets its messages spread over the whole period, one in three inbound.
        f"""INSERT INTO messaging_message (uid, direction, status, extension_id, unrouted, conversation_id, from_number,
                to_numbers, text, segments, provider_message_id, error_code, error_description, warnings, keyword,
                attempts, sent_at, delivered_at, failed_at, created_at, updated_at)
            SELECT gen_random_uuid(), CASE WHEN inbound THEN 'in' ELSE 'out' END,
                   CASE WHEN inbound THEN 'received' WHEN i > {n} - 20 THEN 'sent'
                        WHEN i % 10 = 1 THEN 'failed' ELSE 'delivered' END,
                   CASE WHEN inbound THEN NULL ELSE k % {e} + 1 END, inbound AND i % 40 = 0, k,
                   CASE WHEN inbound THEN them ELSE us END, ARRAY[CASE WHEN inbound THEN us ELSE them END],
                   CASE WHEN i % 1000 = 0 THEN 'Your invoice ' || i || ' is ready'
                        ELSE 'Hello, this is message ' || i END,
                   1, 'bw-' || i, CASE WHEN NOT inbound AND i % 10 = 1 AND i <= {n} - 20 THEN 4720 END, '', '[]'::jsonb,
                   '', 1, at, CASE WHEN NOT inbound AND i % 10 <> 1 THEN at END,
                   CASE WHEN NOT inbound AND i % 10 = 1 AND i <= {n} - 20 THEN at END, at, at
            FROM (SELECT i, k, (i / {c} + k) % 3 = 0 AS inbound, now() - make_interval(secs => {n} - i) AS at,
                         '+1919555' || lpad((100 + k % {e} + 1)::text, 4, '0') AS us,
                         '+1984' || lpad(k::text, 7, '0') AS them
                  FROM (SELECT i, (i::bigint * 7919) % {c} + 1 AS k FROM generate_series(1, {n}) i) numbered
                  ORDER BY i) rows""",
        """INSERT INTO messaging_messagerecipient (message_id, number, status, error_code, error_description,
               updated_at)
           SELECT id, to_numbers[1], status, error_code, '', updated_at FROM messaging_message
           WHERE direction = 'out'""",
        f"""INSERT INTO messaging_message_routed_to (message_id, extension_id)
            SELECT id, conversation_id % {e} + 1 FROM messaging_message WHERE direction = 'in' AND NOT unrouted""",
        """UPDATE messaging_conversation c SET last_message_id = last.id, last_message_at = last.created_at
           FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at FROM messaging_message
                 ORDER BY conversation_id, created_at DESC, id DESC) last
           WHERE last.conversation_id = c.id""",
        # Both readers have read 9 conversations in 10 up to their last message; the rest are unread.
        f"""INSERT INTO messaging_conversationread (conversation_id, user_id, last_read_message_id, read_at)
            SELECT id, reader, last_message_id, now()
            FROM messaging_conversation, (VALUES ({admin_id}), ({reader_id})) AS r(reader)
            WHERE (id / {e}) % 10 <> 0""",
    ]
    with connection.cursor() as cursor:
        # Indexes that back no constraint are built once after the bulk insert, not row by row (the
        # trigram index alone would make the insert several times slower).
        cursor.execute("""SELECT i.relname, pg_get_indexdef(i.oid)
                          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                          WHERE x.indrelid = 'messaging_message'::regclass
                            AND NOT x.indisprimary AND NOT x.indisunique""")
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for statement in statements:
            cursor.execute(statement)
        for _, definition in indexes:
            cursor.execute(definition)
        for table in ("messaging_extension", "messaging_conversation"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def make_tenant(slug: str, messages: int):
    """The tenant with its administrator and an extension user serving extension 101, seeded."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    from messaging.models import ExtensionAssignment
    from tenants.models import Membership
    from tenants.services import create_tenant

    with contextlib.redirect_stdout(io.StringIO()):  # django-tenants prints every migration
        tenant = create_tenant(name=slug.title(), slug=slug, admin_username=f"{slug}-admin", admin_password=PASSWORD)
    users = get_user_model().objects
    admin = users.get(username=f"{slug}-admin")
    reader = users.create_user(username=f"{slug}-ext", password=PASSWORD)
    Membership.objects.create(user=reader, tenant=tenant, role=Membership.Role.EXTENSION)
    with tenant_context(tenant):
        started = time.perf_counter()
        seed(messages=messages, admin_id=admin.pk, reader_id=reader.pk)
        ExtensionAssignment.objects.create(user=reader, extension_id=1)
        common.say(f"{slug}: {messages:,} messages seeded in {time.perf_counter() - started:.1f} s")
    return tenant, admin, reader


def pages_of(tenant, admin_client, reader_client) -> dict[str, tuple]:
    """name -> (client, url) of every page timed, for one tenant."""
    from django_tenants.utils import tenant_context

    from messaging.models import Message
    from messaging.selectors.messages import encode_cursor

    with tenant_context(tenant):
        count = Message.objects.count()
        middle = Message.objects.order_by("-created_at", "-id")[count // 2]
        deep = encode_cursor(middle)
    base = f"/t/{tenant.slug}/"
    first = admin_client.get(base + "messages/")
    older = re.search(r'href="(\?after=[^"]+)"', first.content.decode())
    if first.status_code != 200 or older is None:
        raise common.CannotMeasure(f"the Messages page answered {first.status_code} without an Older link")
    screen, api, inbox = base + "messages/", base + "api/v1/messages/", base + "inbox/"
    conversations = base + "api/v1/conversations/"
    urls = {
        "messages": screen, "messages older": screen + older.group(1).replace("&amp;", "&"),
        "messages middle": screen + f"?after={deep}", "messages failed": screen + "?status=failed",
        "messages sent (rare)": screen + "?status=sent", "messages number": screen + "?number=%2B19840000042",
        "messages in": screen + "?direction=in", "messages ext 105": screen + "?extension=105",
        "messages unrouted": screen + "?unrouted=on",
        "api messages": api, "api middle": api + f"?after={deep}", "api failed": api + "?status=failed",
        "api number": api + "?number=%2B19840000042", "api 200": api + "?limit=200",
        "inbox": inbox, "inbox page 2": inbox + "?page=2", "inbox unread": inbox + "?unread=1",
        "inbox q digits": inbox + "?q=0000042", "inbox q word": inbox + "?q=invoice",
        "inbox badge": inbox + "?fragment=count", "api conversations": conversations,
        "api conv unread": conversations + "?unread=true",
    }
    pages = {name: (admin_client, url) for name, url in urls.items()}
    pages |= {"ext inbox": (reader_client, inbox), "ext inbox unread": (reader_client, inbox + "?unread=1"),
              "ext api conv": (reader_client, conversations)}
    return pages


def client_for(user):
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    return client


class SlowQueries:
    """Remembers a request's SELECT statements slower than `threshold_ms`, with their schema."""

    def __init__(self, threshold_ms: float):
        self.threshold_ms, self.slow = threshold_ms, []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if elapsed >= self.threshold_ms and sql.lstrip().upper().startswith("SELECT"):
                self.slow.append((elapsed, sql, params, context["connection"].schema_name))


def explain(name: str, client, url: str, *, threshold_ms: float = 2.0) -> None:
    """Print the page's SELECT statements slower than threshold_ms with their EXPLAIN ANALYZE."""
    from django.db import connection

    probe = SlowQueries(threshold_ms)
    with connection.execute_wrapper(probe):
        client.get(url)
    common.say(f"\n### {name}: {url} ({len(probe.slow)} statements >= {threshold_ms} ms)")
    for elapsed, sql, params, schema in probe.slow:
        with connection.cursor() as cursor:
            cursor.execute(f'SET search_path = "{schema}", public')
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        common.say(f"-- {elapsed:.1f} ms: {sql[:600]}")
        common.say("\n".join(plan[:40]))


def time_pages(pages: dict[str, dict[str, tuple]], rounds: int) -> dict[str, dict[str, list[float]]]:
    timings = {slug: {name: [] for name in by_name} for slug, by_name in pages.items()}
    for _ in range(rounds):
        for name in next(iter(pages.values())):
            for slug, by_name in pages.items():  # interleaved: the same page on each tenant in turn
                client, url = by_name[name]
                started = time.perf_counter()
                answer = client.get(url)
                timings[slug][name].append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise common.CannotMeasure(f"{url} answered {answer.status_code}")
    return timings


def report(timings: dict[str, dict[str, list[float]]], args) -> None:
    common.say(f"\nMessages and Inbox, {args.messages:,} (big) and {args.baseline:,} (small) messages, "
               f"{args.rounds} rounds; {common.machine()}; {common.load_average()}")
    common.say(f"{'page':<22} {'big median':>11} {'big worst':>10} {'small median':>13} {'small worst':>12} "
               f"{'big/small':>10}")
    big, small = timings["big"], timings["small"]
    for name in big:
        b, s = statistics.median(big[name]), statistics.median(small[name])
        common.say(f"{name:<22} {b:11.1f} {max(big[name]):10.1f} {s:13.1f} {max(small[name]):12.1f} {b / s:10.2f}")
    worst = max(big, key=lambda name: statistics.median(big[name]))
    common.say(f"slowest page at {args.messages:,}: {worst}, median {statistics.median(big[worst]):.1f} ms "
               f"(target <= 50 ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=100_000, help="messages of the baseline tenant")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each big page's slowest query")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()

    database_url, env = common.bench_database_and_env(DATABASE_URL)
    try:
        common.recreate_database(database_url)
        common.manage(env, "collectstatic", "--noinput", "-v", "0")  # production settings use the manifest
        common.prepare(env)
        made = {slug: make_tenant(slug, count) for slug, count in (("big", args.messages), ("small", args.baseline))}
        pages = {slug: pages_of(tenant, client_for(admin), client_for(reader))
                 for slug, (tenant, admin, reader) in made.items()}
        with common_connection() as cursor:
            cursor.execute("VACUUM ANALYZE")
        time_pages(pages, 1)  # warm: caches, the first connection, templates
        if args.explain:
            for name, (client, url) in pages["big"].items():
                explain(name, client, url)
        timings = time_pages(pages, args.rounds)
    except common.CannotMeasure as exc:
        common.say(f"could not measure: {exc}")
        return 1
    finally:
        common.close_django_connections()
        if not args.keep_database:
            common.drop_database(database_url)
    report(timings, args)
    return 0


@contextlib.contextmanager
def common_connection():
    """A cursor outside any transaction (VACUUM refuses to run in one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        yield cursor


if __name__ == "__main__":
    sys.exit(main())
