"""/t/<slug>/api/v1/messages/: send (202), refusals as JSON, list with filters and cursors, detail, media;
other tenants get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.bandwidth import describe_error
from messaging.models import Message, MessageMedia, OptOut, PhoneNumber
from tests.messaging.factories import DID, RECIPIENT, handed_to_tasks, in_acme, make_message

pytestmark = pytest.mark.usefixtures("media_in_tmp_path")

MESSAGES = "/t/acme/api/v1/messages/"
FIELDS = {"id", "uid", "direction", "from", "to", "recipients", "text", "media", "status", "status_label", "segments",
          "provider_message_id", "error_code", "error_description", "warnings", "extension", "routed_to", "unrouted",
          "keyword_reply", "attempts", "created_at", "updated_at", "sent_at", "delivered_at", "failed_at"}


def test_post_answers_202_with_the_queued_message_and_its_warnings(acme, api_a, django_capture_on_commit_callbacks):
    PhoneNumber.objects.filter(number=DID).update(ten_dlc_status="not_registered")
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_a.post(MESSAGES, {"from_extension": "101", "to": ["(919) 555-0199"], "text": "Hello"},
                              format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert set(body) == FIELDS
    assert (body["status"], body["direction"], body["from"], body["to"], body["text"], body["segments"]) == (
        "queued", "out", DID, [RECIPIENT], "Hello", 1)
    assert body["extension"] == "101" and body["routed_to"] == [] and body["media"] == []
    assert "10DLC" in body["warnings"][0]
    assert len(handed_to_tasks(callbacks)) == 1


def test_post_multipart_with_files_and_urls(acme, api_a):
    photo = SimpleUploadedFile("cat.png", b"\x89PNG....", content_type="image/png")
    response = api_a.post(MESSAGES, {"from_extension": "101", "to": [RECIPIENT, "+19195550198"], "text": "",
                                     "media": [photo, "https://cdn.example.com/dog.jpg"]}, format="multipart")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["to"] == [RECIPIENT, "+19195550198"]
    # Multipart keeps form values before files, so the URL comes first.
    assert body["media"] == ["https://cdn.example.com/dog.jpg", f"http://testserver{MESSAGES}{body['id']}/media/1/"]
    download = api_a.get(body["media"][1])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == b"\x89PNG...."


def test_to_may_be_one_comma_separated_string(acme, api_a):
    response = api_a.post(MESSAGES, {"from_extension": "101", "to": f"{RECIPIENT}, +19195550198", "text": "x"},
                          format="json")
    assert response.json()["to"] == [RECIPIENT, "+19195550198"]


@pytest.mark.parametrize("payload, status, key, words", [
    ({"from_extension": "999", "to": [RECIPIENT], "text": "x"}, 400, "from_extension", "no extension 999"),
    ({"from_extension": "101", "to": [], "text": "x"}, 400, "to", ""),
    ({"from_extension": "101", "to": ["hello"], "text": "x"}, 400, "to", "not a phone number"),
    ({"from_extension": "101", "to": [RECIPIENT], "text": ""}, 400, "text", "Enter a text or attach a file."),
    ({"from_extension": "101", "to": [RECIPIENT], "text": "x" * 2049}, 400, "text", "at most 2048"),
    ({"from_extension": "101", "to": [RECIPIENT], "text": "x", "media": ["ftp://x.example/a.png"]}, 400, "media",
     "https://"),
    ({"from_extension": "102", "to": [RECIPIENT], "text": "x"}, 409, "from_extension", "may not send SMS/MMS"),
    ({"from_extension": "101", "to": ["+442071838750"], "text": "x"}, 409, "to", "No outbound rule lets extension 101"),
])
def test_refusals_are_json_with_the_reason_and_store_nothing(acme, api_a, payload, status, key, words):
    response = api_a.post(MESSAGES, payload, format="json")
    assert response.status_code == status, response.json()
    assert words in " ".join(response.json()["fields"][key])
    assert not in_acme(acme, lambda: Message.objects.exists())


def test_opted_out_recipient_is_409_naming_them(acme, api_a):
    OptOut.objects.create(number=DID, remote_number=RECIPIENT, keyword="STOP")
    response = api_a.post(MESSAGES, {"from_extension": "101", "to": [RECIPIENT], "text": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "opted_out"
    assert response.json()["detail"].startswith(f"{RECIPIENT} opted out")


def test_list_filters_and_pages_by_cursor(acme, api_a):
    Message.objects.bulk_create([
        Message(direction="out", status="sent", from_number=DID, to_numbers=[RECIPIENT], text=f"m{i}")
        for i in range(7)
    ])
    make_message(acme, status="failed", error_code=4773, text="bad")
    body = api_a.get(MESSAGES, {"limit": 3}).json()
    assert [m["text"] for m in body["results"]] == ["bad", "m6", "m5"] and body["previous"] is None
    second = api_a.get(body["next"]).json()
    assert [m["text"] for m in second["results"]] == ["m4", "m3", "m2"]
    assert [m["text"] for m in api_a.get(second["previous"]).json()["results"]] == ["bad", "m6", "m5"]
    failed = api_a.get(MESSAGES, {"status": "failed"}).json()["results"]
    assert [m["text"] for m in failed] == ["bad"]
    assert failed[0]["error_description"] == describe_error(4773).meaning
    assert api_a.get(MESSAGES, {"number": "+19195550000"}).json()["results"] == []
    assert len(api_a.get(MESSAGES, {"extension": "101", "direction": "out"}).json()["results"]) == 1


def test_detail_and_unknown_id(acme, api_a):
    message = make_message(acme, status="unknown")
    body = api_a.get(f"{MESSAGES}{message.pk}/").json()
    assert (body["id"], body["status"], body["status_label"]) == (message.pk, "unknown", "Checking with Bandwidth")
    assert api_a.get(f"{MESSAGES}999999/").status_code == 404
    assert api_a.get(f"{MESSAGES}{message.pk}/media/0/").status_code == 404


def test_inbound_messages_show_where_they_were_routed(acme, api_a):
    inbound = make_message(acme, direction="in", status="received", extension=None, unrouted=False)
    inbound.routed_to.set([acme.ext.sales, acme.ext.bare])
    body = api_a.get(f"{MESSAGES}{inbound.pk}/").json()
    assert body["extension"] is None and sorted(body["routed_to"]) == ["101", "104"]


def test_signed_out_is_refused(acme, api_client):
    assert api_client.get(MESSAGES).status_code in (401, 403)


def test_admin_of_other_tenant_gets_404_on_every_messages_endpoint(acme, api_b):
    message = make_message(acme)
    media = MessageMedia(message=message, position=0, content_type="image/png", size=4)
    media.file.save("x.png", SimpleUploadedFile("x.png", b"\x89PNG"))
    for path in (MESSAGES, f"{MESSAGES}{message.pk}/", f"{MESSAGES}{message.pk}/media/0/"):
        assert api_b.get(path).status_code == 404, path
    response = api_b.post(MESSAGES, {"from_extension": "101", "to": [RECIPIENT], "text": "x"}, format="json")
    assert response.status_code == 404
    assert in_acme(acme, lambda: Message.objects.count()) == 1
