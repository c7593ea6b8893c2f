"""Inbound MMS media: fetched from Bandwidth with the configuration's credentials, kept with Django's
storage API, and served only to users of the tenant."""

import mimetypes
import posixpath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction

from messaging.bandwidth.client import BandwidthClient
from messaging.bandwidth.errors import BandwidthError
from messaging.exceptions import MediaDownloadFailed
from messaging.models import MessageMedia
from messaging.services.configuration import sms_configurations

# Phones send these (3GP video clips, old-style vCards) although Bandwidth's media upload does not list them;
# receiving is not uploading, so they are kept (and served as downloads, never shown inline).
PHONE_TYPES = frozenset({"video/3gpp", "text/x-vcard"})


def allowed_type(content_type: str) -> bool:
    content_type = content_type.split(";")[0].strip().lower()
    return content_type in PHONE_TYPES or content_type in {t.lower() for t in settings.MMS_ALLOWED_TYPES}


def download_media(*, media_id: int) -> None:
    """Fetch and store one attachment. Safe to run twice: a stored attachment is left alone.

    Refusals (foreign host, redirect, too large, type not allowed, bad credentials) end in `failed`
    with the reason shown; Bandwidth trouble raises MediaDownloadFailed for the task to retry.
    """
    media = MessageMedia.objects.select_related("message__sms_configuration").filter(pk=media_id).first()
    if media is None or media.state == MessageMedia.State.STORED:
        return
    configuration = media.message.sms_configuration
    if configuration is None:
        return _fail(media, "The SMS configuration was deleted, so the picture cannot be fetched.")
    MessageMedia.objects.filter(pk=media.pk).update(attempts=media.attempts + 1)
    try:
        content, content_type = BandwidthClient(sms_configurations.credentials_of(configuration)).download_media(
            media.source_url, max_bytes=settings.MMS_MAX_BYTES
        )
    except BandwidthError as exc:
        if exc.transient:
            raise MediaDownloadFailed(exc.user_message, exc.retry_after) from exc
        return _fail(media, exc.user_message)
    content_type = (content_type or "").split(";")[0].strip().lower() or _guess_type(media.source_url)
    if not allowed_type(content_type):
        return _fail(media, f"Attachments of type {content_type or 'unknown'} are not accepted.")
    _store(media, content, content_type)


def _store(media: MessageMedia, content: bytes, content_type: str) -> None:
    name = posixpath.basename(urlsplit(media.source_url).path) or f"attachment-{media.position}"
    name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-80:]
    with transaction.atomic():
        locked = MessageMedia.objects.select_for_update().get(pk=media.pk)
        if locked.state == MessageMedia.State.STORED:
            return
        locked.file.save(f"{connection.schema_name}/{media.message.uid}/{media.position}-{name}",
                         ContentFile(content), save=False)
        locked.content_type, locked.size, locked.state, locked.error = content_type, len(content), "stored", ""
        locked.save(update_fields=["file", "content_type", "size", "state", "error"])


def _fail(media: MessageMedia, reason: str) -> None:
    MessageMedia.objects.filter(pk=media.pk).exclude(state=MessageMedia.State.STORED).update(
        state=MessageMedia.State.FAILED, error=reason
    )


def mark_failed_after_retries(*, media_id: int, reason: str) -> None:
    media = MessageMedia.objects.filter(pk=media_id).first()
    if media:
        _fail(media, f"Could not be fetched from Bandwidth after {media.attempts} attempts: {reason}")


def _guess_type(url: str) -> str:
    return mimetypes.guess_type(urlsplit(url).path)[0] or ""
