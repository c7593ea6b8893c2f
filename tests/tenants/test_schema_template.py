"""New tenants are copies of the template schema; migrate_schemas keeps the template and every copy migrated."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.models import TenantMixin
from django_tenants.utils import schema_context, schema_exists, tenant_context

from messaging.models import AuditEntry
from tenants import schema_template
from tenants.models import Tenant
from tenants.schema_migrations import applied_migrations
from tenants.services import create_tenant

pytestmark = pytest.mark.django_db

TEMPLATE = "tenant_template"


def structure(schema: str) -> dict:
    """What a schema is made of, with its own name taken out: tables and columns (types, nullability,
    defaults, identity), constraints and indexes by name with their definitions, sequences and what owns
    them, the recorded migrations."""
    with connection.cursor() as cursor:
        cursor.execute(f'SET search_path = "{schema}"')  # references inside the schema come out bare
        try:
            cursor.execute(
                "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, "
                "a.attgenerated, pg_get_expr(d.adbin, d.adrelid) "
                "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                "WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
                [schema],
            )
            columns = sorted(cursor.fetchall())
            cursor.execute(
                "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable, k.condeferred "
                "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = %s::regnamespace",
                [schema],
            )
            constraints = sorted(cursor.fetchall())
            cursor.execute(
                "SELECT i.relname, replace(pg_get_indexdef(i.oid), %s, 'S.') FROM pg_class i "
                "WHERE i.relnamespace = %s::regnamespace AND i.relkind = 'i'",
                [f"{schema}.", schema],
            )
            indexes = sorted(cursor.fetchall())
            cursor.execute(
                "SELECT s.relname, t.relname, d.deptype, q.seqstart, q.seqincrement, format_type(q.seqtypid, NULL) "
                "FROM pg_class s JOIN pg_sequence q ON q.seqrelid = s.oid "
                "LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
                "AND d.deptype IN ('a', 'i') "
                "LEFT JOIN pg_class t ON t.oid = d.refobjid WHERE s.relnamespace = %s::regnamespace",
                [schema],
            )
            sequences = sorted(cursor.fetchall())
        finally:
            schema_template._forget_search_path()
    return {"columns": columns, "constraints": constraints, "indexes": indexes, "sequences": sequences,
            "migrations": applied_migrations(schema)}


def test_a_new_tenant_is_a_copy_of_the_template_without_running_migrations():
    with CaptureQueriesContext(connection) as queries:
        tenant = create_tenant(name="Initech", slug="initech-copy")
    # A handful of statements (checks, the copy in one round trip, the rows), not the 400+ of migrating.
    assert len(queries) < 40, [q["sql"][:80] for q in queries]
    assert not any("django_migrations" in q["sql"] and "INSERT" in q["sql"] and "SELECT" not in q["sql"]
                   for q in queries)
    assert structure(tenant.schema_name) == structure(TEMPLATE)


def test_a_copy_is_what_running_every_migration_makes():
    create_tenant(name="Copied", slug="copied")
    migrated = Tenant(name="Migrated", slug="migrated", schema_name="t_migrated")
    TenantMixin.create_schema(migrated)  # django-tenants' way: an empty schema, every migration run into it
    copy, reference = structure("t_copied"), structure("t_migrated")
    assert copy["columns"] == reference["columns"]
    assert copy["constraints"] == reference["constraints"]  # same names: later migrations find them
    assert copy["indexes"] == reference["indexes"]
    assert copy["sequences"] == reference["sequences"]
    assert copy["migrations"] == reference["migrations"]


def test_copies_have_their_own_sequences_and_foreign_keys():
    first = create_tenant(name="First", slug="first-copy")
    second = create_tenant(name="Second", slug="second-copy")
    with tenant_context(first):
        ids_first = [AuditEntry.objects.create(action="create", object_type="t", object_repr=str(n)).pk
                     for n in range(3)]
    with tenant_context(second):
        entry = AuditEntry.objects.create(action="create", object_type="t", object_repr="x")
    assert entry.pk == ids_first[0]  # the second tenant's counter did not move with the first's inserts
    with schema_context(TEMPLATE):
        assert not AuditEntry.objects.exists()
    with connection.cursor() as cursor:
        # Every identity sequence and every foreign key target of a copy lives in the copy.
        cursor.execute(
            "SELECT s.relnamespace::regnamespace::text FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' AND t.relnamespace = %s::regnamespace",
            [first.schema_name],
        )
        assert {row[0] for row in cursor.fetchall()} == {first.schema_name}
        cursor.execute(
            "SELECT DISTINCT r.relnamespace::regnamespace::text FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid "
            "JOIN pg_class r ON r.oid = k.confrelid WHERE k.contype = 'f' AND c.relnamespace = %s::regnamespace",
            [first.schema_name],
        )
        assert {row[0] for row in cursor.fetchall()} == {first.schema_name}


def test_a_new_tenant_adds_nothing_to_the_shared_user_table():
    """Foreign keys from tenant tables to auth_user put two triggers per key on auth_user, per tenant: at
    1,300 tenants the first update of a user on a connection took 2 s and each creation 2-3 s more."""

    def user_triggers():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'auth_user'::regclass")
            return cursor.fetchone()[0]

    before = user_triggers()
    create_tenant(name="Light", slug="light")
    assert user_triggers() == before


def test_a_missing_template_is_made_on_the_first_creation():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{TEMPLATE}" CASCADE')
    tenant = create_tenant(name="After", slug="after-drop")
    assert schema_template.is_current()
    assert structure(tenant.schema_name) == structure(TEMPLATE)


def test_a_template_holding_what_the_copy_cannot_reproduce_is_refused(monkeypatch):
    monkeypatch.setattr(schema_template, "_plans", {})
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE VIEW "{TEMPLATE}".recent_audit AS SELECT 1 AS one')
    with pytest.raises(schema_template.TemplateUnsupported, match="recent_audit"):
        create_tenant(name="Viewless", slug="viewless")


def test_migrate_schemas_makes_and_migrates_the_template():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{TEMPLATE}" CASCADE')
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    assert schema_exists(TEMPLATE)
    assert schema_template.is_current()
