"""Where mails go: SMTP settings from the environment (bad ones stop start-up, the password is never quoted),
and `make run`'s mail sink, a folder of files, never a real server."""

import os
import subprocess
import sys

import pytest

from devtools import launcher
from messaging import tasks

SECRET = "smtp-Pa55word-never-shown"


def start_up(**env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter, as every process does at start."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    return subprocess.run([sys.executable, "-c", "import portal.settings"], capture_output=True, text=True,
                          env=base | {"EMAIL_HOST_PASSWORD": SECRET} | env, cwd=launcher.BASE_DIR)


def test_bad_mail_settings_stop_start_up_without_quoting_the_password():
    bad_port = start_up(EMAIL_PORT="smtp")
    assert bad_port.returncode != 0 and "EMAIL_PORT must be a whole number" in bad_port.stderr
    both = start_up(EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert both.returncode != 0 and "exclude each other" in both.stderr
    assert SECRET not in bad_port.stderr + both.stderr
    assert start_up(EMAIL_USE_TLS="on", EMAIL_PORT="587").returncode == 0


def test_make_run_writes_mails_into_the_data_folder(monkeypatch):
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    monkeypatch.delenv("EMAIL_FILE_PATH", raising=False)
    hint = launcher._mail_sink()
    assert os.environ["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert os.environ["EMAIL_FILE_PATH"] == str(launcher.BASE_DIR / ".data" / "mail")
    assert hint.startswith("Mails: .data/mail/")


@pytest.mark.django_db
def test_the_file_sink_holds_the_notification(inbox, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    message = inbox.receive("See you at noon")
    tasks.notify_inbound(message.pk)
    (written,) = tmp_path.iterdir()
    text = written.read_text()
    assert "Subject: New message from +19195550142 to +19195550100" in text and "See you at noon" in text
