"""A real web process (the process table's `web`, ASGI) with quick heartbeats, Acme committed, and signed-in
users: the administrator, Carol (serves extension 101) and Dave (serves 104)."""

import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from messaging.models import Conversation, ExtensionAssignment
from tenants.models import Membership
from tests.live_portal import running_portal

LIVE_ENV = {"LIVE_HEARTBEAT_SECONDS": "0.5", "LIVE_PRESENCE_TTL": "1.5", "LIVE_STREAM_SECONDS": "120"}
LIVE_PATH = "/t/acme/live/"


@pytest.fixture(scope="module")
def portal(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_portal(LIVE_ENV) as base_url:
        yield base_url


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def people(committed_acme):
    acme = committed_acme
    users = get_user_model().objects
    admin = users.get(username="admin_a")
    carol = users.create_user(username="live-carol", password="x-unused-password-1")
    dave = users.create_user(username="live-dave", password="x-unused-password-1")
    for user, extension in ((carol, acme.ext.sales), (dave, acme.ext.bare)):
        Membership.objects.create(user=user, tenant=acme.tenant, role=Membership.Role.EXTENSION)
        with tenant_context(acme.tenant):
            ExtensionAssignment.objects.create(user=user, extension=extension)
    try:
        yield SimpleNamespace(acme=acme, admin=admin, carol=carol, dave=dave,
                              sessions={name: session_of(user) for name, user in
                                        (("admin", admin), ("carol", carol), ("dave", dave))})
    finally:
        with tenant_context(acme.tenant):
            ExtensionAssignment.objects.all().delete()
            Conversation.objects.all().delete()
        Membership.objects.filter(user__in=[carol, dave]).delete()
        for user in (carol, dave):  # users span schemas and are not deleted: deactivated, their names freed
            user.username, user.is_active = f"gone-{uuid.uuid4().hex[:12]}", False
            user.save()
