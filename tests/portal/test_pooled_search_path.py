"""A pooled database connection carries PostgreSQL's search_path from one request to the next; with
TENANT_LIMIT_SET_CALLS django-tenants sets it only when the schema switches. The real web process (one worker,
a pool of one connection, so every request gets the same PostgreSQL session) serves two tenants' API calls in
turn, writing in one and reading in the other: each sees only its own data."""

import json
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import ApiToken
from accounts.services.api_tokens import create_api_token
from messaging.models import Trunk
from tenants.models import Tenant
from tests.live_portal import running_portal
from tests.portal.test_web_connection_pool import web_backends

pytestmark = pytest.mark.worker


def call(base_url: str, path: str, token: str, body: dict | None = None):
    request = urllib.request.Request(
        base_url + path, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def trunk_names(base_url: str, slug: str, token: str) -> set[str]:
    return {trunk["name"] for trunk in call(base_url, f"/t/{slug}/api/v1/trunks/?limit=500", token)["results"]}


@pytest.fixture
def tokens(django_db_setup, django_db_blocker):
    users = get_user_model().objects
    with django_db_blocker.unblock():
        made = {slug: create_api_token(user=users.get(username=name))
                for slug, name in (("acme", "admin_a"), ("globex", "admin_b"))}
        keys = {slug: key for slug, (_, key) in made.items()}
    yield keys
    with django_db_blocker.unblock():
        ApiToken.objects.filter(pk__in=[token.pk for token, _ in made.values()]).delete()
        for tenant in Tenant.objects.filter(slug__in=keys):
            with tenant_context(tenant):
                Trunk.objects.filter(name__startswith="pooled-").delete()
        connection.set_schema_to_public()


def test_two_tenants_in_turn_over_one_pooled_connection_each_see_their_own(tokens, django_db_blocker):
    written = {"acme": set(), "globex": set()}
    with django_db_blocker.unblock():
        before = web_backends()
        with running_portal({"WEB_CONCURRENCY": "1", "WEB_THREADS": "1"}) as base_url:
            for turn in range(6):
                for slug, other in (("acme", "globex"), ("globex", "acme")):
                    name = f"pooled-{slug}-{turn}"
                    call(base_url, f"/t/{slug}/api/v1/trunks/", tokens[slug], {"name": name, "host": "sip.example.com"})
                    written[slug].add(name)
                    # The very next request, on the same PostgreSQL session, is the other tenant's.
                    assert trunk_names(base_url, other, tokens[other]) == written[other]
                    assert trunk_names(base_url, slug, tokens[slug]) == written[slug]
            served_by = web_backends() - before
        assert len(served_by) == 1  # one PostgreSQL session served both tenants, turn after turn
        for tenant in Tenant.objects.filter(slug__in=written):
            with tenant_context(tenant):
                stored = set(Trunk.objects.filter(name__startswith="pooled-").values_list("name", flat=True))
            assert stored == written[tenant.slug]
