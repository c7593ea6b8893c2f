"""Times on the Messages screen and the Inbox (and the fragments its live updates refetch) follow the tenant's
time zone, or the user's own, and name it; the API keeps TIME_ZONE (UTC)."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection

from messaging.models import Message
from tenants.models import Tenant, UserPreference
from tests.messaging.factories import RECIPIENT, make_message
from tests.messaging.screens.inbox_helpers import INBOX, inbound, thread_url

# 12:00 UTC on a January day: 07:00 in New York (EST, -05:00), 13:00 in Paris (CET).
AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def new_york(acme):
    Tenant.objects.filter(pk=acme.tenant.pk).update(time_zone="America/New_York")
    return acme


def known_message(acme, **fields) -> Message:
    message = make_message(acme, status="delivered", **fields)
    Message.objects.filter(pk=message.pk).update(created_at=AT)
    return message


def test_messages_screen_shows_times_in_the_tenant_zone_and_names_it(new_york, client_a):
    message = known_message(new_york)
    page = client_a.get("/t/acme/messages/").content.decode()
    row = re.search(rf'data-message-id="{message.pk}".*?</tr>', page, re.S).group(0)
    assert "2026-01-15 07:00:00 EST" in row
    assert "Time (America/New_York)" in page and "(UTC)" not in page
    detail = client_a.get(f"/t/acme/messages/{message.pk}/").content.decode()
    assert "2026-01-15 07:00:00 EST" in detail


def test_a_tenant_without_a_zone_shows_the_portal_default(acme, client_a):
    message = known_message(acme)
    page = client_a.get("/t/acme/messages/").content.decode()
    row = re.search(rf'data-message-id="{message.pk}".*?</tr>', page, re.S).group(0)
    assert "2026-01-15 12:00:00 UTC" in row


def test_inbox_and_its_live_fragments_show_the_tenant_zone(new_york, client_a):
    message = inbound(sender=RECIPIENT, text="What time is it?")
    Message.objects.filter(pk=message.pk).update(created_at=AT)
    message.conversation.__class__.objects.filter(pk=message.conversation_id).update(last_message_at=AT)
    for answer in (client_a.get(INBOX), client_a.get(INBOX, {"fragment": "list"}),
                   client_a.get(thread_url(message.conversation)),
                   client_a.get(thread_url(message.conversation), {"fragment": "messages"})):
        assert answer.status_code == 200
        assert "Jan 15, 07:00 EST" in answer.content.decode()


def test_the_users_own_zone_wins_over_the_tenants(new_york, client_a, admin_a):
    UserPreference.objects.create(user=admin_a, time_zone="Europe/Paris")
    message = known_message(new_york)
    page = client_a.get("/t/acme/messages/").content.decode()
    row = re.search(rf'data-message-id="{message.pk}".*?</tr>', page, re.S).group(0)
    assert "2026-01-15 13:00:00 CET" in row and "Time (Europe/Paris)" in page


def test_a_system_administrator_managing_the_tenant_sees_its_zone(new_york, sysadmin_client):
    message = known_message(new_york)
    page = sysadmin_client.get("/t/acme/messages/").content.decode()
    assert 'data-testid="manage-banner"' in page
    row = re.search(rf'data-message-id="{message.pk}".*?</tr>', page, re.S).group(0)
    assert "2026-01-15 07:00:00 EST" in row


def test_the_api_keeps_utc_whatever_the_zones(new_york, api_a, admin_a):
    UserPreference.objects.create(user=admin_a, time_zone="Europe/Paris")
    message = known_message(new_york)
    connection.set_schema_to_public()
    body = api_a.get(f"/t/acme/api/v1/messages/{message.pk}/").json()
    assert datetime.fromisoformat(body["created_at"].replace("Z", "+00:00")).utcoffset().total_seconds() == 0
