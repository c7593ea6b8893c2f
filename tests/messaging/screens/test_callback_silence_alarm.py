"""The tenant home's alarm: messages accepted by Bandwidth CALLBACK_SILENCE_ALARM_MINUTES (30) ago still without a
receipt, and no callback for their configuration since (messaging/selectors/callback_silence.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from messaging.models import SmsConfiguration, WebhookEvent
from messaging.selectors.callback_silence import list_callback_silences
from portal import metrics
from tenants.models import Membership
from tenants.tasks import refresh_tenant_counts
from tests.messaging.factories import in_acme, make_message
from tests.messaging.test_metrics_content import scrape

pytestmark = pytest.mark.django_db
HOME = "/t/acme/"


def accepted_ago(acme, minutes: float, *, configuration=None, status="sent"):
    """A message Bandwidth accepted `minutes` ago."""
    return make_message(acme, status=status, provider_message_id=f"bw-{minutes}", sms_configuration=configuration
                        or acme.configuration, sent_at=timezone.now() - timedelta(minutes=minutes))


def callback_ago(configuration, minutes: float) -> WebhookEvent:
    event = WebhookEvent.objects.create(configuration_id=configuration.pk, event_type="message-received",
                                        carrier_message_id=f"in-{minutes}", recipient="", event_time=str(minutes),
                                        payload={})
    WebhookEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=minutes))
    return event


def alarmed() -> list[str]:
    return [silence.configuration.name for silence in list_callback_silences()]


def test_no_alarm_without_sends(acme):
    assert alarmed() == []


def test_a_message_waiting_one_minute_less_than_the_limit_raises_no_alarm(acme):
    accepted_ago(acme, 29)
    assert alarmed() == []


def test_a_message_waiting_one_minute_more_than_the_limit_raises_it(acme):
    accepted_ago(acme, 31)
    (silence,) = list_callback_silences()
    assert silence.configuration == acme.configuration and silence.waiting == 1
    assert silence.last_callback_at is None


def test_the_limit_is_the_setting(acme, settings):
    settings.CALLBACK_SILENCE_ALARM_MINUTES = 10
    accepted_ago(acme, 11)
    assert alarmed() == ["Main SMS"]


def test_a_callback_arriving_clears_it(acme):
    accepted_ago(acme, 31)
    callback_ago(acme.configuration, 1)
    assert alarmed() == []


def test_a_callback_from_before_the_message_was_accepted_does_not(acme):
    accepted_ago(acme, 40)
    accepted_ago(acme, 31)
    callback_ago(acme.configuration, 35)
    (silence,) = list_callback_silences()
    assert silence.waiting == 1 and silence.last_callback_at is not None


def test_another_configurations_callback_does_not_clear_it(acme):
    other = SmsConfiguration.objects.create(name="Other", trunk=acme.trunk, account_id="9900123",
                                            application_id=acme.configuration.application_id, username="u",
                                            password="p")
    accepted_ago(acme, 31)
    callback_ago(other, 1)
    assert alarmed() == ["Main SMS"]


def test_the_receipt_itself_clears_it(acme):
    message = accepted_ago(acme, 31)
    message.status = "delivered"
    message.save()
    assert alarmed() == []


def test_a_message_older_than_the_callback_retry_window_is_no_longer_counted(acme):
    accepted_ago(acme, 24 * 60 + 1)
    assert alarmed() == []


def test_the_home_shows_the_alarm_with_what_to_check(acme, client_a):
    assert 'data-testid="callback-silence"' not in client_a.get(HOME).content.decode()
    in_acme(acme, lambda: accepted_ago(acme, 31))
    page = client_a.get(HOME).content.decode()
    assert 'data-testid="callback-silence"' in page
    assert "No callbacks from Bandwidth for" in page and "Main SMS" in page
    assert "no callback has ever reached this configuration" in page
    assert "Callback URL and the callback credentials" in page and "Connect to Bandwidth" in page


def test_another_tenants_admin_and_an_extension_user_do_not_see_it(acme, tenant_a, admin_b):
    in_acme(acme, lambda: accepted_ago(acme, 31))
    other = Client()
    other.force_login(admin_b)
    assert other.get(HOME).status_code == 404
    user = get_user_model().objects.create_user(username="ext_alarm", password="x-Very-long-9")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    extension = Client()
    extension.force_login(user)
    assert extension.get(HOME).status_code == 302  # to the Inbox, which shows no alarm


def test_the_gauge_counts_alarmed_configurations(acme, client):
    metrics.reset()
    try:
        accepted_ago(acme, 31)
        refresh_tenant_counts()  # every 5 minutes, with the tenant counts
        metrics.flush()
        assert scrape(client)[("portal_callback_silence_alarms", frozenset({("tenant", "acme")}))] == 1
        callback_ago(acme.configuration, 1)
        refresh_tenant_counts()
        metrics.flush()
        assert scrape(client)[("portal_callback_silence_alarms", frozenset({("tenant", "acme")}))] == 0
    finally:
        metrics.reset()
