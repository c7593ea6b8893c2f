"""Retention (messaging/services/retention.py): what goes after a tenant's periods, in batches, and what stays."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from messaging import tasks
from messaging.models import Conversation, Message, MessageMedia, MessageRecipient, WebhookEvent
from messaging.services import retention
from tenants.models import Tenant
from tests.messaging.factories import RECIPIENT, make_message

pytestmark = pytest.mark.django_db

BATCH = 3


@pytest.fixture(autouse=True)
def _small_batches(settings, tmp_path):
    settings.RETENTION_BATCH_SIZE = BATCH
    settings.RETENTION_BATCH_PAUSE_SECONDS = 0
    settings.RETENTION_PAYLOAD_DAYS = 30
    settings.RETENTION_MEDIA_DAYS = 90
    settings.RETENTION_MESSAGE_DAYS = 0
    settings.MEDIA_ROOT = str(tmp_path / "media")


def aged(message: Message, days: float) -> Message:
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))
    message.refresh_from_db()
    return message


def old_message(acme, days=40, **fields) -> Message:
    return aged(make_message(acme, **({"status": "delivered"} | fields)), days)


def purge(tenant, **periods):
    for name, days in periods.items():
        setattr(tenant, f"retention_{name}_days", days)
    tenant.save()
    return retention.purge_expired_data(tenant=tenant)


def test_old_messages_go_in_batches_and_recent_or_in_flight_ones_stay(acme):
    old = [old_message(acme) for _ in range(3 * BATCH + 1)]  # more rows than three batches
    MessageRecipient.objects.create(message=old[0], number=RECIPIENT, status="delivered")
    recent = old_message(acme, days=10)
    in_flight = [old_message(acme, status=status) for status in ("queued", "sending", "unknown")]

    counts = purge(acme.tenant, message=30)

    assert counts["messages"] == len(old) and counts["complete"] is True
    remaining = set(Message.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, *(m.pk for m in in_flight)}
    assert not MessageRecipient.objects.exists()


def test_messages_are_kept_by_default_and_the_tenant_override_purges_them(acme, settings):
    message = old_message(acme, days=400)
    assert purge(acme.tenant, message=None)["messages"] == 0  # default RETENTION_MESSAGE_DAYS=0: kept
    settings.RETENTION_MESSAGE_DAYS = 500
    assert purge(acme.tenant, message=None)["messages"] == 0  # default: younger than 500 days
    assert Message.objects.filter(pk=message.pk).exists()
    assert purge(acme.tenant, message=365)["messages"] == 1  # the tenant's own period wins
    assert not Message.objects.filter(pk=message.pk).exists()


def test_a_tenant_may_keep_messages_for_ever_against_the_default(acme, settings):
    settings.RETENTION_MESSAGE_DAYS = 30
    message = old_message(acme, days=400)
    assert purge(acme.tenant, message=0)["messages"] == 0
    assert Message.objects.filter(pk=message.pk).exists()


def media_of(message: Message, name: str) -> MessageMedia:
    media = MessageMedia(message=message, content_type="image/png", state="stored", size=3)
    media.file.save(name, ContentFile(b"png"), save=True)
    return media


def test_old_media_files_leave_the_disk_only_after_their_rows_commit(acme, django_capture_on_commit_callbacks):
    old = [media_of(old_message(acme, days=100), f"old{i}.png") for i in range(BATCH + 1)]
    recent = media_of(old_message(acme, days=10), "recent.png")
    paths = [Path(media.file.path) for media in old]

    with django_capture_on_commit_callbacks() as callbacks:
        counts = purge(acme.tenant)  # default RETENTION_MEDIA_DAYS=90
    assert counts["media"] == len(old)
    # Rows first: none names a file any more while the files are still there.
    assert set(MessageMedia.objects.filter(pk__in=[m.pk for m in old]).values_list("file", flat=True)) == {""}
    assert all(path.exists() for path in paths)
    for callback in callbacks:
        callback()
    assert not any(path.exists() for path in paths)
    recent.refresh_from_db()
    assert Path(recent.file.path).exists()
    assert Message.objects.count() == len(old) + 1  # the messages themselves are kept


def test_a_purged_message_takes_its_media_files_along(acme, django_capture_on_commit_callbacks):
    media = media_of(old_message(acme, days=40), "gone.png")
    path = Path(media.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        purge(acme.tenant, message=30, media=0)
    assert not MessageMedia.objects.exists()
    assert not path.exists()


def test_a_message_whose_attachment_is_still_downloading_stays(acme):
    message = old_message(acme, direction="in", status="received")
    MessageMedia.objects.create(message=message, source_url="https://example.com/m.png", state="pending")
    assert purge(acme.tenant, message=30)["messages"] == 0


def threaded(acme, conversation: Conversation, days: float) -> Message:
    message = old_message(acme, days=days, conversation=conversation)
    Conversation.objects.filter(pk=conversation.pk).update(last_message=message, last_message_at=message.created_at)
    return message


def test_a_conversation_points_at_its_newest_remaining_message_and_an_emptied_one_goes(acme):
    kept = Conversation.objects.create(our_number=acme.did.number, participants=[RECIPIENT])
    for days in (60, 50, 40):
        threaded(acme, kept, days)
    newest_kept = threaded(acme, kept, 5)
    threaded(acme, kept, 45)  # an old message that was the conversation's last one (pointer by arrival order)
    emptied = Conversation.objects.create(our_number=acme.did.number, participants=["+19195550177"])
    for days in (70, 35):
        threaded(acme, emptied, days)

    purge(acme.tenant, message=30)

    kept.refresh_from_db()
    assert kept.last_message_id == newest_kept.pk
    assert kept.last_message_at == newest_kept.created_at
    assert list(kept.messages.values_list("pk", flat=True)) == [newest_kept.pk]
    assert not Conversation.objects.filter(pk=emptied.pk).exists()


def event(configuration, n: int, *, days: float, state="processed") -> WebhookEvent:
    row = WebhookEvent.objects.create(
        configuration_id=configuration.pk, event_type="message-delivered", carrier_message_id=f"m{n}",
        recipient=RECIPIENT, event_time=f"2026-01-01T00:00:{n:02d}Z", payload=[{"type": "message-delivered"}],
        state=state, processed_at=None if state == "pending" else timezone.now(),
    )
    WebhookEvent.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(days=days))
    return row


def test_handled_callbacks_go_after_the_period_and_work_to_do_stays(acme):
    handled = [event(acme.configuration, n, days=40 - n / 10, state=("processed", "ignored")[n % 2])
               for n in range(2 * BATCH + 1)]
    pending = event(acme.configuration, 50, days=60, state="pending")
    failed = event(acme.configuration, 51, days=60, state="failed")
    recent = event(acme.configuration, 52, days=3)

    counts = purge(acme.tenant)  # default RETENTION_PAYLOAD_DAYS=30

    assert counts["payloads"] == len(handled)
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {pending.pk, failed.pk, recent.pk}


def test_the_newest_callback_of_a_configuration_stays_for_its_last_callback(acme):
    older, newest = event(acme.configuration, 1, days=50), event(acme.configuration, 2, days=40)
    purge(acme.tenant)
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [newest.pk]
    assert older.pk != newest.pk


def test_callbacks_are_kept_two_days_whatever_the_tenant_says(acme):
    # Bandwidth retries for 24 h: a purged identity would let a retry in as a new event.
    event(acme.configuration, 1, days=1.5)
    event(acme.configuration, 2, days=1)  # the configuration's newest
    assert purge(acme.tenant, payload=1)["payloads"] == 0
    assert WebhookEvent.objects.count() == 2


def test_the_time_budget_stops_a_run_between_batches(acme, settings):
    settings.RETENTION_TIME_BUDGET_SECONDS = 1e-9
    for _ in range(2 * BATCH):
        old_message(acme)
    counts = purge(acme.tenant, message=30)
    assert counts == {"messages": BATCH, "media": 0, "payloads": 0, "complete": False}
    assert Message.objects.count() == BATCH
    assert purge(acme.tenant, message=30)["messages"] == BATCH  # the next run goes on


def test_the_task_purges_the_tenant_it_runs_in(acme):
    old_message(acme)
    acme.tenant.retention_message_days = 30
    acme.tenant.save()
    assert tasks.purge_expired_data()["messages"] == 1
    assert not Message.objects.exists()



def test_the_inbox_after_a_purge_previews_the_remaining_message_and_lists_no_empty_conversation(acme, client_a):
    kept = Conversation.objects.create(our_number=acme.did.number, participants=[RECIPIENT])
    Message.objects.filter(pk=threaded(acme, kept, 5).pk).update(text="still here")
    Message.objects.filter(pk=threaded(acme, kept, 45).pk).update(text="purged text")  # the pointer: purged
    emptied = Conversation.objects.create(our_number=acme.did.number, participants=["+19195550177"])
    threaded(acme, emptied, 40)

    purge(acme.tenant, message=30)

    page = client_a.get("/t/acme/inbox/").content.decode()
    assert "still here" in page and "purged text" not in page
    assert "+19195550177" not in page and "(919) 555-0177" not in page


def test_the_hourly_task_queues_one_purge_inside_each_tenant(db, monkeypatch, django_capture_on_commit_callbacks):
    from messaging import dispatch

    schemas = []
    monkeypatch.setattr(dispatch, "publish", lambda name, args, kwargs, **options: schemas.append(
        (name, options["schema_name"])) or True)
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.purge_expired_data_everywhere()
    expected = {("messaging.purge_expired_data", schema)
                for schema in Tenant.objects.customers().values_list("schema_name", flat=True)}
    assert queued == len(schemas) == len(expected) and set(schemas) == expected
    assert {("messaging.purge_expired_data", "t_acme"), ("messaging.purge_expired_data", "t_globex")} <= expected
