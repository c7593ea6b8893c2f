"""The template schema new tenants are copied from, and the copy.

A new tenant's schema used to be built by running every tenant migration into it: about 425 statements
and Django's migration state machinery (0.43-0.62 s at 1,000 tenants), plus Django's table
introspection, which scans the pg_class rows of every schema and so grew with the number of tenants.
Instead `migrate_schemas` keeps one schema, TENANT_TEMPLATE_SCHEMA, migrated like a tenant
(tenants/schema_migrations.py adds it to every release), and a new tenant is a copy of it made by a
few dozen DDL statements sent in one round trip.

Why not django-tenants' own TENANT_BASE_SCHEMA/clone_schema: its create_schema runs a faked
`migrate_schemas` in the new schema after the copy (the migration loader and the introspection scan
again, the part that grew with tenants), and its clone function (pg-clone-schema, 4,600 lines of
PL/pgSQL) reads information_schema views that filter every relation of every schema.

The copy keeps every name the migrations gave (indexes, constraints, sequences), so later migrations
that drop or rename them by name apply to copied schemas as they apply to migrated ones. What it
cannot copy faithfully (views, functions, triggers, sequences that are not identity columns, types of
their own) it refuses, loudly, rather than copy wrong: TemplateUnsupported.
"""

import logging
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.management import call_command
from django.db import connection

logger = logging.getLogger(__name__)

# pg_advisory_lock key: one process at a time brings the template up to date.
_TEMPLATE_LOCK = 0x7465_6D70  # "temp"


class TemplateUnsupported(RuntimeError):
    """The template holds something the copy does not reproduce."""


def template_schema() -> str:
    return settings.TENANT_TEMPLATE_SCHEMA


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration on disk, (app, name): what a current template has recorded."""
    from django.db.migrations.loader import MigrationLoader

    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _template_state(cursor) -> int | None:
    """The template's last django_migrations id when it holds every migration on disk, else None."""
    cursor.execute("SELECT to_regclass(%s)", [f"{_q(template_schema())}.django_migrations"])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT id, app, name FROM {_q(template_schema())}.django_migrations")
    rows = cursor.fetchall()
    if not expected_migrations() <= {(app, name) for _, app, name in rows}:
        return None
    return max(row[0] for row in rows)


def is_current() -> bool:
    with connection.cursor() as cursor:
        return _template_state(cursor) is not None


def ensure_current() -> None:
    """Create or migrate the template when it lacks a migration on disk (a new database, tests, a
    deployment that has not run its release yet). Normally `migrate_schemas` has done it already."""
    if is_current():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_TEMPLATE_LOCK])
    try:
        if not is_current():  # another process may have done it while this one waited
            migrate_template(verbosity=0)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_TEMPLATE_LOCK])


def migrate_template(*, verbosity: int = 1) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(template_schema())}")
    call_command("migrate_schemas", tenant=True, schema_name=template_schema(), interactive=False,
                 verbosity=verbosity)
    connection.set_schema_to_public()


@dataclass(frozen=True)
class _Plan:
    """The statements that copy the template, with {schema} where the new schema's name goes."""

    version: int
    statements: tuple[str, ...]


_plans: dict[str, _Plan] = {}


def clone_template(schema_name: str) -> bool:
    """Create schema `schema_name` as a copy of the template, when the template is current.

    Returns False (nothing done) when it is not: the caller migrates the schema instead. Runs in the
    caller's transaction, so a failed tenant creation leaves no schema behind."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        version = _template_state(cursor)
        if version is None:
            return False
        plan = _plans.get(template_schema())
        if plan is None or plan.version != version:
            plan = _plans[template_schema()] = _Plan(version, tuple(_copy_statements(cursor)))
        target = _q(schema_name)
        # One round trip; the template's name never appears unqualified, the new schema's is {schema}.
        sql = ";\n".join([f"CREATE SCHEMA {target}", f"SET search_path = {target}",
                          *(s.replace("{schema}", target) for s in plan.statements)])
        try:
            cursor.execute(sql)
        finally:
            _forget_search_path()
    return True


def _copy_statements(cursor) -> list[str]:
    """Read the template's catalog once (per template version) and write the copy as DDL."""
    template = template_schema()
    tq = _q(template)
    _refuse_unsupported(cursor, template)
    cursor.execute(
        "SELECT c.oid, c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r' "
        "ORDER BY c.relname",
        [tq],
    )
    tables = cursor.fetchall()
    oids = [oid for oid, _ in tables]
    names = dict(tables)
    statements = [
        f"CREATE TABLE {{schema}}.{_q(name)} (LIKE {tq}.{_q(name)} INCLUDING DEFAULTS INCLUDING IDENTITY "
        "INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION)"
        for _, name in tables
    ]
    # pg_get_constraintdef names a referenced table without its schema when the search_path finds
    # it: with the template alone on the path, references inside the template come out bare and
    # resolve to the new schema (search_path = the new schema when they run); others stay qualified.
    cursor.execute(f"SET search_path = {tq}")
    try:
        cursor.execute(
            "SELECT conrelid, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s) AND contype IN ('p', 'u', 'x', 'f') ORDER BY contype = 'f', conrelid, conname",
            [oids],
        )
        constraints = cursor.fetchall()
        # Indexes of their own (not behind a constraint): pg_get_indexdef always qualifies the table.
        cursor.execute(
            "SELECT i.indrelid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
            "AND c.conrelid = i.indrelid) ORDER BY i.indexrelid",
            [oids],
        )
        indexes = cursor.fetchall()
    finally:
        _forget_search_path()
    keys = [(rel, f"ADD CONSTRAINT {_q(name)} {definition}") for rel, name, kind, definition in constraints
            if kind != "f"]
    foreign = [(rel, f"ADD CONSTRAINT {_q(name)} {definition}") for rel, name, kind, definition in constraints
               if kind == "f"]
    statements += _alter_each(keys, names)
    for rel, definition in indexes:
        # PostgreSQL quotes a name only when it must: try both spellings of each part.
        spellings = [f" ON {s}.{t} " for s in (template, tq) for t in (names[rel], _q(names[rel]))]
        for old in spellings:
            if old in definition:
                definition = definition.replace(old, f" ON {{schema}}.{_q(names[rel])} ", 1)
                break
        else:
            raise TemplateUnsupported(f"cannot place index in the new schema: {definition}")
        statements.append(definition)
    # Rows the migrations left (django_migrations, so later migrations apply to the copy; data
    # migrations' rows if any), then the identity sequences where the template's stand.
    for _, name in tables:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {tq}.{_q(name)})")
        if cursor.fetchone()[0]:
            statements.append(f"INSERT INTO {{schema}}.{_q(name)} OVERRIDING SYSTEM VALUE "
                              f"SELECT * FROM {tq}.{_q(name)}")
    cursor.execute(
        "SELECT s.relname, t.relname, a.attname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
        "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
        "WHERE d.classid = 'pg_class'::regclass AND d.refobjid = ANY(%s) AND d.deptype = 'i' AND s.relkind = 'S'",
        [oids],
    )
    for sequence, table, column in cursor.fetchall():
        cursor.execute(f"SELECT is_called FROM {tq}.{_q(sequence)}")
        if not cursor.fetchone()[0]:
            continue  # never used in the template: the copy's new sequence starts where it does
        statements.append(
            f"SELECT setval(pg_get_serial_sequence('{{schema}}.{_q(table)}', '{column}'), last_value, is_called) "
            f"FROM {tq}.{_q(sequence)}"
        )
    statements += _alter_each(foreign, names)
    return statements


def _forget_search_path() -> None:
    # django-tenants remembers the search_path it set and skips setting it again; a SET of ours
    # changed it underneath, so make it set the path on the next cursor.
    connection.search_path_set_schemas = None
    connection.set_schema_to_public()


def _alter_each(clauses: list[tuple[int, str]], names: dict[int, str]) -> list[str]:
    by_table: dict[int, list[str]] = {}
    for rel, clause in clauses:
        by_table.setdefault(rel, []).append(clause)
    return [f"ALTER TABLE {{schema}}.{_q(names[rel])} " + ", ".join(parts) for rel, parts in by_table.items()]


def _refuse_unsupported(cursor, template: str) -> None:
    tq = _q(template)
    cursor.execute(
        """
        SELECT 'relation ' || c.relname || ' (relkind ' || c.relkind::text || ')' FROM pg_class c
         WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind NOT IN ('r', 'i')
           AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'i'))
        UNION ALL
        SELECT 'function ' || p.proname FROM pg_proc p WHERE p.pronamespace = %(s)s::regnamespace
        UNION ALL
        SELECT 'type ' || t.typname FROM pg_type t WHERE t.typnamespace = %(s)s::regnamespace
           AND t.typrelid = 0 AND t.typelem = 0
        UNION ALL
        SELECT 'trigger ' || g.tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
         WHERE c.relnamespace = %(s)s::regnamespace AND NOT g.tgisinternal
        UNION ALL
        SELECT 'policy ' || p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         WHERE c.relnamespace = %(s)s::regnamespace
        """,
        {"s": tq},
    )
    found = [row[0] for row in cursor.fetchall()]
    if found:
        raise TemplateUnsupported(f"the template schema {template} holds what the copy does not reproduce: "
                                  + ", ".join(found) + " (tenants/schema_template.py)")
