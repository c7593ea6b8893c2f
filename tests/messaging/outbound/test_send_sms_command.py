"""manage.py send_sms: queues like the Compose screen, prints the id and status, and says clearly why not."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from messaging.models import Message, OptOut, PhoneNumber
from tests.messaging.factories import DID, RECIPIENT, handed_to_tasks

pytestmark = pytest.mark.django_db


def send_sms(*args):
    out, err = StringIO(), StringIO()
    call_command("send_sms", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_queues_and_prints_the_id_and_status(acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        out, err = send_sms("--tenant", "acme", "--from-extension", "101", "--to", "(919) 555-0199",
                            "--to", "+19195550198", "--text", "Hello")
    message = Message.objects.get()
    assert out.strip() == (f"Queued message {message.pk} (tag {message.uid}): status queued, from {DID} to "
                           f"{RECIPIENT}, +19195550198, 1 segment(s).")
    assert err == "" and len(handed_to_tasks(callbacks)) == 1


def test_attaches_files_and_urls(acme, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG....")
    send_sms("--tenant", "acme", "--from-extension", "101", "--to", RECIPIENT, "--media", str(picture),
             "--media", "https://cdn.example.com/dog.jpg")
    stored, linked = Message.objects.get().media.order_by("position")
    assert (stored.content_type, stored.size, linked.source_url) == ("image/png", 8, "https://cdn.example.com/dog.jpg")


def test_warnings_go_to_stderr(acme):
    PhoneNumber.objects.filter(number=DID).update(ten_dlc_status="pending")
    _out, err = send_sms("--tenant", "acme", "--from-extension", "101", "--to", RECIPIENT, "--text", "x")
    assert err.startswith(f"Warning: {DID} is a US long code")


@pytest.mark.parametrize("args, error", [
    (["--tenant", "nope", "--from-extension", "101"], "There is no tenant 'nope'."),
    (["--tenant", "acme", "--from-extension", "555"], "Tenant acme has no extension 555."),
    (["--tenant", "acme", "--from-extension", "102"], "Not sent: Extension 102 may not send SMS/MMS."),
    (["--tenant", "acme", "--from-extension", "101", "--media", "/no/such/file.png"], "Cannot read /no/such/file.png"),
])
def test_errors_say_why(acme, args, error):
    with pytest.raises(CommandError, match=error.replace("(", r"\(").replace(".", r"\.")):
        send_sms(*args, "--to", RECIPIENT, "--text", "x")
    assert not Message.objects.exists()


def test_opt_out_is_refused_naming_the_recipient(acme):
    OptOut.objects.create(number=DID, remote_number=RECIPIENT, keyword="STOP")
    with pytest.raises(CommandError, match=rf"Not sent: \{RECIPIENT} opted out"):
        send_sms("--tenant", "acme", "--from-extension", "101", "--to", RECIPIENT, "--text", "x")
