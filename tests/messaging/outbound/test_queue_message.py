"""queue_message: checks, opt-outs, 10DLC, what is stored, and the task started on commit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.exceptions import MessageInvalid, SendRefused
from messaging.models import Message, MessageMedia, OptOut, PhoneNumber
from messaging.services.outbound.compose import queue_message
from tests.messaging.factories import DID, RECIPIENT, SEND_URL, accepted, handed_to_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp_path")]


def jpeg(name="photo.jpg", size=1000, content_type="image/jpeg"):
    return SimpleUploadedFile(name, b"\xff\xd8" + b"x" * (size - 2), content_type=content_type)


def test_stores_a_queued_message_and_queues_delivery_on_commit(acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue_message(extension=acme.ext.sales, to=["(919) 555-0199"], text="Hello")
    message.refresh_from_db()
    assert (message.direction, message.status, message.from_number, message.to_numbers) == (
        "out", "queued", DID, [RECIPIENT])
    assert (message.extension, message.sms_configuration, message.segments) == (
        acme.ext.sales, acme.configuration, 1)
    assert message.warnings == [] and message.next_attempt_at is not None
    assert len(handed_to_tasks(callbacks)) == 1


def test_after_commit_the_message_is_sent(acme, bandwidth, eager, django_capture_on_commit_callbacks):
    bandwidth.post(SEND_URL, status=202, json=accepted())
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello")
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.provider_message_id == "1589228074636lm4k2je7j7jklbn2"


@pytest.mark.parametrize("text, segments", [("a" * 160, 1), ("a" * 161, 2), ("€" * 80, 1), ("😀" * 35, 1),
                                            ("😀" * 36, 2)])
def test_segments_are_counted_as_bandwidth_does(acme, text, segments):
    assert queue_message(extension=acme.ext.sales, to=[RECIPIENT], text=text).segments == segments


@pytest.mark.parametrize("text, error", [("", "Enter a text or attach a file."), ("   ", "Enter a text or attach"),
                                         ("x" * 2049, "The text has 2049 characters; Bandwidth takes at most 2048.")])
def test_text_is_required_without_media_and_limited_to_2048(acme, text, error):
    with pytest.raises(MessageInvalid, match=error) as invalid:
        queue_message(extension=acme.ext.sales, to=[RECIPIENT], text=text)
    assert invalid.value.field == "text"
    assert not Message.objects.exists()


def test_2048_characters_are_accepted(acme):
    assert queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="x" * 2048).segments == 14


def test_media_files_are_stored_and_urls_kept(acme):
    message = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="",
                            media=[jpeg(), "https://cdn.example.com/pics/cat.png"])
    stored, linked = message.media.order_by("position")
    assert (stored.content_type, stored.size, stored.state) == ("image/jpeg", 1000, MessageMedia.State.PENDING)
    assert stored.file.name.startswith("mms/") and stored.file.read().startswith(b"\xff\xd8")
    assert (linked.source_url, linked.content_type, bool(linked.file)) == (
        "https://cdn.example.com/pics/cat.png", "image/png", False)


@pytest.mark.parametrize("media, error", [
    (lambda: [jpeg(name="a.exe", content_type="application/x-msdownload")], "“a.exe” is application/x-msdownload"),
    (lambda: [jpeg(name=f"{i}.jpg") for i in range(11)], "Attach at most 10 files"),
    (lambda: [jpeg(size=2_000_000), jpeg(size=2_000_000)], "The attachments take 4,000,000 bytes"),
    (lambda: ["http://cdn.example.com/cat.png"], "is not a public https:// address"),
    (lambda: ["https://cdn.example.com/setup.exe"], "“setup.exe” is application/"),
    (lambda: [SimpleUploadedFile("empty.png", b"", content_type="image/png")], "“empty.png” is empty"),
])
def test_bad_attachments_are_refused_by_name(acme, media, error):
    with pytest.raises(MessageInvalid, match=error) as invalid:
        queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="hi", media=media())
    assert invalid.value.field == "media"
    assert not Message.objects.exists()


def test_opted_out_recipients_are_named_and_nothing_is_sent(acme, bandwidth):
    OptOut.objects.create(number=DID, remote_number=RECIPIENT, keyword="STOP")
    with pytest.raises(SendRefused) as refused:
        queue_message(extension=acme.ext.sales, to=["+19195550198", RECIPIENT], text="Hello")
    assert refused.value.code == "opted_out"
    assert refused.value.message.startswith(f"{RECIPIENT} opted out of messages from {DID} (see Opt-outs)")
    assert not Message.objects.exists()
    assert len(bandwidth.calls) == 0


def test_an_opt_out_from_another_of_our_numbers_does_not_block(acme):
    OptOut.objects.create(number="+19195550101", remote_number=RECIPIENT, keyword="STOP")
    assert queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello").status == "queued"


def test_unregistered_10dlc_number_adds_a_warning(acme):
    PhoneNumber.objects.filter(number=DID).update(ten_dlc_status=PhoneNumber.TenDlcStatus.PENDING)
    message = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello")
    assert message.warnings == [
        f"{DID} is a US long code marked “Pending” for 10DLC: US carriers may block or filter this message "
        "(error 4773 and similar) until it is registered."
    ]
    message.refresh_from_db()
    assert len(message.warnings) == 1


def test_unregistered_10dlc_number_is_refused_when_the_tenant_says_so(acme):
    PhoneNumber.objects.filter(number=DID).update(ten_dlc_status=PhoneNumber.TenDlcStatus.NOT_REGISTERED)
    acme.tenant.refuse_unregistered_10dlc = True
    acme.tenant.save()
    with pytest.raises(SendRefused, match="This tenant refuses sends from unregistered 10DLC numbers") as refused:
        queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello")
    assert refused.value.code == "unregistered_10dlc"
    assert not Message.objects.exists()


def test_a_us_sender_id_outside_the_tenants_dids_is_warned_about(acme):
    acme.configuration.sender_id = "+12125550100"
    acme.configuration.save()
    message = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello")
    assert message.warnings[0].startswith("+12125550100 is a US long code that is not one of this tenant's DIDs")


def test_refused_route_stores_nothing(acme):
    with pytest.raises(SendRefused):
        queue_message(extension=acme.ext.blocked, to=[RECIPIENT], text="Hello")
    assert not Message.objects.exists()


def test_the_10dlc_warning_says_when_the_status_is_bandwidths(acme):
    PhoneNumber.objects.filter(number=DID).update(ten_dlc_status=PhoneNumber.TenDlcStatus.PENDING,
                                                  registration_source=PhoneNumber.RegistrationSource.BANDWIDTH)
    message = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="Hello")
    assert message.warnings[0].startswith(f"{DID} is a US long code Bandwidth reports “Pending” for 10DLC")
