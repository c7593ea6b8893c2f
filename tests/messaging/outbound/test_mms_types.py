"""Attachments of a type Bandwidth's media upload does not accept are refused with a clear error on the
form, the API and the service, and a stored one is never uploaded as application/octet-stream."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.exceptions import MessageInvalid
from messaging.models import Message, MessageMedia
from messaging.services.outbound.compose import queue_message
from messaging.services.outbound.deliver import deliver_message
from tests.messaging.factories import RECIPIENT, SEND_URL, in_acme, make_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp_path")]
MESSAGES = "/t/acme/api/v1/messages/"


@pytest.mark.parametrize(("name", "content_type"), [
    ("clip.3gp", "video/3gpp"), ("card.vcf", "text/x-vcard"), ("blob.bin", "application/octet-stream"),
])
def test_types_outside_bandwidths_list_are_refused_by_name(acme, name, content_type):
    upload = SimpleUploadedFile(name, b"0123456789", content_type=content_type)
    with pytest.raises(MessageInvalid, match=f"“{name}” is {content_type}, which MMS does not carry here") as error:
        queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="hi", media=[upload])
    assert error.value.field == "media" and "video/mp4" in error.value.message
    assert not Message.objects.exists()


def test_types_on_bandwidths_list_are_taken(acme):
    media = [SimpleUploadedFile("card.vcf", b"BEGIN:VCARD", content_type="text/vcard"),
             SimpleUploadedFile("voice.amr", b"#!AMR", content_type="audio/amr")]
    message = queue_message(extension=acme.ext.sales, to=[RECIPIENT], text="", media=media)
    assert [m.content_type for m in message.media.order_by("position")] == ["text/vcard", "audio/amr"]


def test_the_api_answers_400_naming_the_file(acme, api_a):
    clip = SimpleUploadedFile("clip.3gp", b"0123456789", content_type="video/3gpp")
    response = api_a.post(MESSAGES, {"from_extension": "101", "to": [RECIPIENT], "text": "x", "media": [clip]},
                          format="multipart")
    assert response.status_code == 400
    assert "“clip.3gp” is video/3gpp" in " ".join(response.json()["fields"]["media"])


def test_a_stored_file_of_a_refused_type_fails_the_message_without_any_upload(acme, bandwidth):
    message = make_message(acme, text="")
    stored = MessageMedia(message=message, position=0, content_type="video/3gpp", size=10)
    stored.file.save("clip.3gp", ContentFile(b"0123456789"))
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "failed"
    assert "attachment 1 is video/3gpp, which Bandwidth's media upload does not accept" in message.error_description
    assert [call for call in bandwidth.calls if call.request.method in ("PUT", "POST")] == []
    assert SEND_URL not in [call.request.url for call in bandwidth.calls]


def test_the_compose_form_shows_the_refusal_under_the_attachments(acme, client_a):
    clip = SimpleUploadedFile("clip.3gp", b"0123456789", content_type="video/3gpp")
    response = client_a.post("/t/acme/messages/compose/",
                             {"from_extension": acme.ext.sales.pk, "to": RECIPIENT, "text": "x", "media": [clip]})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["media"])
    assert "“clip.3gp” is video/3gpp, which MMS does not carry here" in errors
    assert not in_acme(acme, lambda: Message.objects.exists())
