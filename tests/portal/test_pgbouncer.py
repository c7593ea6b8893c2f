"""The portal through PgBouncer: session pooling keeps every tenant in its own schema; transaction pooling
does not, which is why docs/scaling.md recommends session mode.

django-tenants points a connection at a tenant with `SET search_path`, a setting of the server connection.
In session mode a client connection keeps one server connection from login to logout, so the setting stays
with the client that made it. In transaction mode the server connection goes back to the pool after every
transaction (in autocommit: after every statement), and the next client inherits the last one's search_path.

Each test starts its own pgbouncer (Debian's package; .ci/run installs it) on a free port in front of the
test database, its configuration in a temporary folder.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.utils import load_backend
from django_tenants.utils import tenant_context

from accounts.models import ApiToken
from accounts.services.api_tokens import create_api_token
from messaging.models import Trunk
from tenants.models import Tenant
from tests.live_portal import free_port, running_portal

pytestmark = [
    pytest.mark.worker,  # starts real processes (pgbouncer, the web server)
    pytest.mark.skipif(shutil.which("pgbouncer") is None, reason="pgbouncer is not installed (Debian: pgbouncer)"),
]


@pytest.fixture(autouse=True)
def _database_on_tcp():
    """pgbouncer reaches PostgreSQL over TCP here; `make test`'s embedded PostgreSQL (no DATABASE_URL) listens on a
    socket in the checkout, which pgbouncer, run as `postgres` when the tests run as root, cannot open: it would
    wait for a server that never answers."""
    host = connection.settings_dict["HOST"] or ""
    if host.startswith("/"):
        pytest.skip("the test database is on a Unix socket (the embedded PostgreSQL): give DATABASE_URL on TCP")


@contextmanager
def running_pgbouncer(pool_mode: str, *, pool_size: int = 20):
    """pgbouncer in `pool_mode` on a free port of 127.0.0.1, in front of the test database's server; yields
    the port. It refuses to run as root: then it runs as `postgres`, which must own its folder."""
    db = connection.settings_dict
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="test-pgbouncer-"))
    (folder / "users.txt").write_text(f'"{db["USER"]}" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""\
[databases]
* = host={db["HOST"] or "127.0.0.1"} port={db["PORT"] or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
admin_users = {db["USER"]}
pool_mode = {pool_mode}
default_pool_size = {pool_size}
max_client_conn = 200
logfile = {folder}/pgbouncer.log
""")
    argv = ["pgbouncer", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
        argv[1:1] = ["-u", "postgres"]
    bouncer = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if bouncer.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "pgbouncer.log").read_text() if (folder / "pgbouncer.log").exists() else ""
                    raise RuntimeError(f"pgbouncer did not start: {bouncer.stderr.read().decode()}{log}") from None
                time.sleep(0.1)
        yield port
    finally:
        bouncer.terminate()
        bouncer.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def console(port: int, command: str) -> list[list[str]]:
    """Rows of a pgbouncer admin console command (it speaks only the simple query protocol: psql)."""
    db = connection.settings_dict
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", db["USER"], "-d", "pgbouncer",
                          "-tA", "-F", "|", "-c", command], capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def through(port: int):
    """A Django connection of its own to the test database, through pgbouncer."""
    db = connection.settings_dict
    return load_backend(db["ENGINE"]).DatabaseWrapper(dict(db, HOST="127.0.0.1", PORT=port), "default")


@pytest.fixture
def trunks(django_db_setup, django_db_blocker):
    """Committed trunks, each tenant's names its own."""
    with django_db_blocker.unblock():
        acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
        for tenant, names in ((acme, ["acme-1", "acme-2"]), (globex, ["globex-1"])):
            with tenant_context(tenant):
                Trunk.objects.bulk_create([Trunk(name=name, host="sip.example.net") for name in names])
        yield acme, globex
        for tenant in (acme, globex):
            with tenant_context(tenant):
                Trunk.objects.filter(name__contains="-").delete()


def trunk_names_interleaved(port: int, acme: Tenant, globex: Tenant) -> tuple[list[str], list[str]]:
    """Two connections through pgbouncer, one per tenant, as two concurrent requests of the web process: each
    opens its cursor (django-tenants sets the search_path there), then each reads the tenant's trunks."""
    a, b = through(port), through(port)
    try:
        a.set_tenant(acme)
        b.set_tenant(globex)
        with a.cursor() as cursor_a, b.cursor() as cursor_b:
            cursor_a.execute("SELECT name FROM messaging_trunk ORDER BY name")
            cursor_b.execute("SELECT name FROM messaging_trunk ORDER BY name")
            return [row[0] for row in cursor_a.fetchall()], [row[0] for row in cursor_b.fetchall()]
    finally:
        a.close()
        b.close()


def test_session_mode_keeps_each_tenant_in_its_schema(trunks, django_db_blocker):
    acme, globex = trunks
    with django_db_blocker.unblock(), running_pgbouncer("session", pool_size=2) as port:
        for _ in range(3):
            assert trunk_names_interleaved(port, acme, globex) == (["acme-1", "acme-2"], ["globex-1"])


def test_transaction_mode_hands_one_tenants_search_path_to_another(trunks, django_db_blocker):
    """The reason session mode is the one to use: in transaction mode, with one server connection (the
    smallest pool makes it certain; under load any pool does it sometimes), Acme's query runs with the
    search_path Globex's connection set last, and Acme is shown Globex's trunks."""
    acme, globex = trunks
    with django_db_blocker.unblock(), running_pgbouncer("transaction", pool_size=1) as port:
        acme_sees, globex_sees = trunk_names_interleaved(port, acme, globex)
    assert acme_sees == ["globex-1"]  # another tenant's data
    assert globex_sees == ["globex-1"]


@pytest.fixture
def tokens(django_db_setup, django_db_blocker):
    """Committed API tokens of each tenant's administrator (the web process reads them)."""
    with django_db_blocker.unblock():
        made = [create_api_token(user=get_user_model().objects.get(username=name))
                for name in ("admin_a", "admin_b")]
        yield {"acme": made[0][1], "globex": made[1][1]}
        ApiToken.objects.filter(pk__in=[token.pk for token, _ in made]).delete()


def test_the_web_process_serves_two_tenants_through_pgbouncer_in_session_mode(trunks, tokens, django_db_blocker):
    with django_db_blocker.unblock():
        with running_pgbouncer("session", pool_size=2) as port:
            database_url = f"postgres://{connection.settings_dict['USER']}@127.0.0.1:{port}/{connection.settings_dict['NAME']}"
            # One web process whose pool (DB_POOL_SIZE, from WEB_THREADS) holds two connections.
            with running_portal({"DATABASE_URL": database_url, "WEB_CONCURRENCY": "1", "WEB_THREADS": "2"}) as base:
                seen = []
                for _ in range(6):
                    for slug in ("acme", "globex"):
                        request = urllib.request.Request(f"{base}/t/{slug}/api/v1/trunks/",
                                                         headers={"Authorization": f"Token {tokens[slug]}"})
                        with urllib.request.urlopen(request, timeout=10) as answer:
                            body = json.load(answer)
                        results = body["results"] if isinstance(body, dict) else body
                        seen.append((slug, tuple(sorted(trunk["name"] for trunk in results))))
                clients = console(port, "SHOW CLIENTS")
    assert set(seen) == {("acme", ("acme-1", "acme-2")), ("globex", ("globex-1",))}
    assert len(seen) == 12
    # The web process's connections were pgbouncer's clients (the console's own is one more).
    assert sum(1 for row in clients if row[2] == connection.settings_dict["NAME"]) >= 1
