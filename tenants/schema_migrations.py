"""`migrate_schemas` for a release: the template schema first, then every tenant schema, in parallel.

django-tenants runs Django's whole `migrate` command once per schema: the migration loader, the
project state of every applied migration rendered in Python, Django's table introspection (which
scans the pg_class rows of every schema, so each schema costs more the more schemas there are),
and the post_migrate signals. At 10,000 schemas that is hours, for a release that adds one column.

This executor (settings.GET_EXECUTOR_FUNCTION) does, for a whole-database run
(`migrate_schemas` without --schema, app or migration arguments):

1. reads each schema's django_migrations (one indexed query each) and leaves alone the schemas
   that already hold every migration on disk: a release without tenant migrations costs seconds;
2. migrates the template schema (tenants/schema_template.py) with Django's own `migrate`, so new
   tenants are copies of the new version, and uses it as the pilot of the schemas at the same
   migration state: the pilot is migrated by Django for real (a failing migration stops the release
   there, before any tenant) while every statement its schema editor runs is recorded, and those
   statements are then replayed into every other schema of the group, each in one transaction with
   its django_migrations rows, over TENANT_MULTIPROCESSING_MAX_PROCESSES connections at once;
3. migrates with Django's `migrate` per schema (django-tenants' multiprocessing pool) what cannot be
   replayed as SQL: migrations with RunPython for tenant apps, non-atomic migrations, schemas at an
   unusual state (a group without the template's history).

Every schema was made by the same migrations or copied with their names (tenants/schema_template.py),
so the SQL Django runs in the pilot is the SQL it would run in each of them.
"""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections, router, transaction
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor
from django.db.migrations.executor import MigrationExecutor as DjangoMigrationExecutor
from django_tenants.migration_executors import get_executor as tenants_get_executor
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.migration_executors.multiproc import get_pool, run_migrations_percent

from tenants import schema_template

# Options that ask for something else than "bring every schema up to date": django-tenants' way then.
_SPECIAL_OPTIONS = ("fake", "fake_initial", "plan", "check_unapplied", "prune", "run_syncdb", "app_label",
                    "migration_name")


def get_executor(codename=None):
    """settings.GET_EXECUTOR_FUNCTION: this executor unless --executor names another."""
    if codename in (None, ReleaseExecutor.codename):
        return ReleaseExecutor
    return tenants_get_executor(codename)


def parallelism() -> int:
    return max(1, int(getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)))


class ReleaseExecutor(MigrationExecutor):
    codename = "release"

    def __init__(self, args, options):
        # Django's migrate runs the database system checks first, in each schema, unless told not to;
        # messaging's check of the stored secrets visits tenants and leaves the connection in public, so
        # from the command line (checks on) every tenant migration was applied to public instead: skipped
        # by the router there and recorded as done. migrate_schemas has run the checks once already.
        super().__init__(args, {**options, "skip_checks": True})

    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in tenants:
            run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)
            tenants.remove(self.PUBLIC_SCHEMA_NAME)
            if not tenants:
                return
        special = self.args or any(self.options.get(name) for name in _SPECIAL_OPTIONS)
        if self.options.get("schema_name") or special:
            for schema_name in tenants:
                run_migrations(self.args, self.options, self.codename, schema_name)
            return
        self._release([schema_template.template_schema(), *tenants])

    def run_multi_type_migrations(self, tenants):
        raise NotImplementedError("this portal has one tenant type")

    def _say(self, message: str, level: int = 1) -> None:
        if int(self.options.get("verbosity", 1)) >= level:
            sys.stdout.write(f"[{self.codename}] {message}\n")
            sys.stdout.flush()

    def _release(self, schemas: list[str]) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema_template._q(schema_template.template_schema())}")
        expected = schema_template.expected_migrations()
        groups: dict[frozenset, list[str]] = {}
        for schema_name in schemas:
            applied = applied_migrations(schema_name)
            if applied is None or not expected <= applied:
                groups.setdefault(frozenset(applied or ()), []).append(schema_name)
        pending = sum(len(group) for group in groups.values())
        self._say(f"{len(schemas) - pending} of {len(schemas)} schemas up to date, {pending} to migrate "
                  f"({time.monotonic() - started:.1f} s)")
        template = schema_template.template_schema()
        # The template's group first: its pilot is the template itself.
        for applied, group in sorted(groups.items(), key=lambda item: template not in item[1]):
            if template in group:
                group.remove(template)
                group.insert(0, template)
            self._migrate_group(applied, group)
        connection.set_schema_to_public()
        self._say(f"done in {time.monotonic() - started:.1f} s")

    def _migrate_group(self, applied: frozenset, group: list[str]) -> None:
        pilot, rest = group[0], group[1:]
        migrations = replayable_plan(pilot) if applied and rest else None
        with recorded_ddl() as statements:
            run_migrations(self.args, self.options, self.codename, pilot)
        if not rest:
            return
        if migrations is None:
            self._say(f"{len(rest)} schemas: Django's migrate in each, {parallelism()} processes at once")
            self._migrate_each(rest)
            return
        self._say(f"{len(rest)} schemas: replaying {len(statements)} statements of "
                  f"{len(migrations)} migrations ({', '.join(f'{a}.{n}' for a, n in migrations)}), "
                  f"{parallelism()} connections at once")
        replay(rest, statements, migrations, applied=applied, say=self._say)

    def _migrate_each(self, schemas: list[str]) -> None:
        import functools

        connection.close()
        migrate_one = functools.partial(run_migrations_percent, self.args, self.options, self.codename, len(schemas))
        with get_pool() as pool:
            pool.map(migrate_one, enumerate(schemas), getattr(settings, "TENANT_MULTIPROCESSING_CHUNKS", 2))


def applied_migrations(schema_name: str, cursor=None) -> frozenset | None:
    """(app, name) of every migration recorded in the schema; None when it has no django_migrations."""
    q = schema_template._q(schema_name)
    own = cursor is None
    cursor = cursor or connection.cursor()
    try:
        cursor.execute("SELECT to_regclass(%s)", [f"{q}.django_migrations"])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT app, name FROM {q}.django_migrations")
        return frozenset(cursor.fetchall())
    finally:
        if own:
            cursor.close()


def replayable_plan(schema_name: str) -> list[tuple[str, str]] | None:
    """The (app, name) rows to record for the migrations `schema_name` lacks, when what they do to the
    schema is all SQL run by Django's schema editor (no RunPython in a tenant app, all atomic, forwards);
    else None."""
    connection.set_schema(schema_name)
    try:
        executor = DjangoMigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan or any(backwards for _, backwards in plan):
            return None
        for migration, _ in plan:
            if not router.allow_migrate(connection.alias, migration.app_label):
                continue  # a shared app's migration: nothing to run in a tenant schema, only to record
            if not migration.atomic or not all(op.reduces_to_sql for op in migration.operations):
                return None
    finally:
        connection.set_schema_to_public()
    recorded = []
    for migration, _ in plan:
        recorded += list(migration.replaces or ()) + [(migration.app_label, migration.name)]
    return recorded


@contextmanager
def recorded_ddl():
    """Every statement Django's schema editor runs meanwhile, as run (parameters merged), in order.

    Recorded from the pilot's real migration rather than collected beforehand (sqlmigrate's way):
    what Django writes can depend on what it finds in the database (constraint names), including
    objects an earlier migration of the same run creates."""
    statements: list[str] = []
    original = PostgresSchemaEditor.execute

    def execute(editor, sql, params=()):
        result = original(editor, sql, params)
        if not editor.collect_sql and sql is not None:
            # As PostgreSQL's schema editor sends it: parameters merged client-side unless None.
            statements.append(str(sql) if params is None else editor.connection.ops.compose_sql(str(sql), params))
        return result

    PostgresSchemaEditor.execute = execute
    try:
        yield statements
    finally:
        PostgresSchemaEditor.execute = original


def replay(schemas: list[str], statements: list[str], migrations: list[tuple[str, str]], *,
           applied: frozenset, say) -> None:
    """Run `statements` in each schema (one transaction per schema, with its django_migrations rows), over
    parallelism() connections. A schema whose history changed meanwhile is left for the next run."""
    done = []
    skipped = []
    lock = threading.Lock()
    started = time.monotonic()

    def work(part: list[str]) -> None:
        try:
            for schema_name in part:
                connection.set_schema(schema_name, include_public=True)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {schema_template._q(schema_name)}.django_migrations "
                                   "IN SHARE ROW EXCLUSIVE MODE")
                    if applied_migrations(schema_name, cursor) != applied:
                        with lock:
                            skipped.append(schema_name)
                        continue
                    for statement in statements:
                        cursor.execute(statement)
                    cursor.executemany("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
                                       [m for m in migrations if m not in applied])
                with lock:
                    done.append(schema_name)
                    if len(done) % 1000 == 0:
                        say(f"  {len(done)} of {len(schemas)} ({time.monotonic() - started:.0f} s)")
        finally:
            connection.set_schema_to_public()
            connections.close_all()

    workers = parallelism()
    parts = [schemas[index::workers] for index in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work, part) for part in parts if part]:
            future.result()
    say(f"  replayed into {len(done)} schemas in {time.monotonic() - started:.1f} s")
    if skipped:
        say(f"  {len(skipped)} schemas changed while migrating, left for the next run: {', '.join(skipped[:10])}")
