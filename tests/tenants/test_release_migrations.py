"""A release (migrate_schemas) applies a later migration to tenants copied from the template.

Not in a test transaction: migrate_schemas replays the SQL over connections of its own, which see
committed schemas only."""

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.schema_migrations import applied_migrations
from tenants.services import create_tenant
from tests.tenants.test_schema_template import TEMPLATE, structure

BEHIND, LATER = "0015_user_references_without_constraints", "0016_unread_unrouted_search_indexes"


@pytest.fixture
def two_committed_copies(django_db_setup, django_db_blocker):
    """Two tenants committed (migrate_schemas replays over connections of its own), dropped afterwards."""
    with django_db_blocker.unblock():
        tenants = [create_tenant(name=f"Release {n}", slug=f"release-{n}") for n in (1, 2)]
        try:
            yield tenants
        finally:
            connection.set_schema_to_public()
            for tenant in tenants:
                tenant.delete(force_drop=True)


def test_a_release_applies_a_later_migration_to_copied_tenants(two_committed_copies, capsys):
    expected = structure(TEMPLATE)
    # Each copy one messaging migration behind: one the release can replay as SQL (a RunPython migration
    # would be run by Django's migrate in each schema instead).
    for tenant in two_committed_copies:
        call_command("migrate_schemas", "messaging", BEHIND, schema_name=tenant.schema_name, interactive=False,
                     verbosity=0)
        connection.set_schema_to_public()
        assert ("messaging", LATER) not in applied_migrations(tenant.schema_name)

    # As `python -m portal.processes release` runs it: from the command line, system checks on.
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=1, skip_checks=False)

    connection.set_schema_to_public()
    assert "replaying" in capsys.readouterr().out  # the second of the group got the collected SQL
    for tenant in two_committed_copies:
        assert structure(tenant.schema_name) == expected
