"""MMS attachments of outbound messages: checked against the MMS_* settings before storing, uploaded to
Bandwidth's media store just before sending (given https URLs are sent as they are)."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.utils.text import get_valid_filename

from messaging.bandwidth import BandwidthClient
from messaging.exceptions import MessageInvalid
from messaging.models import Message, MessageMedia

URL_MAX_LENGTH = MessageMedia._meta.get_field("source_url").max_length


@dataclass(frozen=True)
class MediaItem:
    """One checked attachment: a file to store and upload, or a public https URL."""

    file: File | None
    url: str
    name: str
    content_type: str
    size: int


def check_media(media: Iterable[File | str]) -> list[MediaItem]:
    """Check count, type and total size against MMS_MAX_ITEMS, MMS_ALLOWED_TYPES and MMS_MAX_BYTES.

    Raises MessageInvalid (field "media") naming the attachment at fault.
    """
    items = [_item(entry) for entry in media]
    if len(items) > settings.MMS_MAX_ITEMS:
        raise MessageInvalid(f"Attach at most {settings.MMS_MAX_ITEMS} files (this message has {len(items)}).",
                             field="media")
    total = sum(item.size for item in items)
    if total > settings.MMS_MAX_BYTES:
        raise MessageInvalid(
            f"The attachments take {total:,} bytes; an MMS may carry at most {settings.MMS_MAX_BYTES:,}.",
            field="media",
        )
    return items


def _item(entry: File | str) -> MediaItem:
    if isinstance(entry, str):
        return _url_item(entry.strip())
    name = os.path.basename(getattr(entry, "name", "") or "") or "attachment"
    content_type = _clean_type(getattr(entry, "content_type", None) or mimetypes.guess_type(name)[0] or "")
    size = entry.size or 0
    if size <= 0:
        raise MessageInvalid(f"“{name}” is empty.", field="media")
    _check_type(name, content_type)
    return MediaItem(file=entry, url="", name=name, content_type=content_type, size=size)


def _url_item(url: str) -> MediaItem:
    try:
        parts = urlsplit(url)
        valid = parts.scheme == "https" and bool(parts.hostname) and parts.username is None
    except ValueError:
        valid = False
    if not valid or len(url) > URL_MAX_LENGTH or any(ch.isspace() for ch in url):
        raise MessageInvalid(f"“{url[:100]}” is not a public https:// address Bandwidth can fetch.", field="media")
    name = os.path.basename(parts.path) or "attachment"
    guessed = _clean_type(mimetypes.guess_type(parts.path)[0] or "")
    if guessed:
        _check_type(name, guessed)
    return MediaItem(file=None, url=url, name=name, content_type=guessed, size=0)


def _clean_type(value: str) -> str:
    return value.split(";")[0].strip().lower()


def _check_type(name: str, content_type: str) -> None:
    if content_type not in settings.MMS_ALLOWED_TYPES:
        raise MessageInvalid(
            f"“{name}” is {content_type or 'of an unknown type'}, which MMS does not carry here. "
            f"Allowed: {', '.join(settings.MMS_ALLOWED_TYPES)}.",
            field="media",
        )


def store_media(message: Message, items: list[MediaItem]) -> None:
    """Write one MessageMedia row per item; files go to Django's default storage."""
    for position, item in enumerate(items):
        row = MessageMedia(message=message, position=position, content_type=item.content_type, size=item.size)
        if item.file is None:
            # Not STORED (no local file to serve) nor PENDING (the inbound sweeper would try to download it).
            row.source_url, row.state = item.url, MessageMedia.State.UPLOADED
            row.save()
        else:
            row.file.save(f"{message.uid.hex[:12]}-{position}-{_safe_name(item.name, position)}", item.file)


def _safe_name(name: str, position: int) -> str:
    try:
        return get_valid_filename(name)[:80]
    except SuspiciousFileOperation:
        return f"attachment-{position}"


def media_urls_for_sending(message: Message, client: BandwidthClient) -> list[str]:
    """The URLs to send in `media`: given URLs as they are, stored files uploaded to Bandwidth first.

    An upload already done (state uploaded) is not repeated; uploading the same name again is harmless.
    Raises BandwidthError from the upload, OSError when a stored file cannot be read, ValueError for a file
    whose type Bandwidth does not accept.
    """
    urls = []
    for media in message.media.order_by("position"):
        if not media.file or media.state == MessageMedia.State.UPLOADED:
            urls.append(media.source_url)
            continue
        # Checked when queued, but the row may predate a narrower MMS_ALLOWED_TYPES: Bandwidth's upload takes
        # only the types of its list, so a file of another type (or none) is not uploaded as octet-stream.
        if media.content_type not in settings.MMS_ALLOWED_TYPES:
            raise ValueError(f"attachment {media.position + 1} is {media.content_type or 'of an unknown type'}, "
                             "which Bandwidth's media upload does not accept")
        with media.file.open("rb") as handle:
            content = handle.read()
        name = f"{message.uid}-{media.position}-{os.path.basename(media.file.name)}"
        media.source_url = client.upload_media(name=name, content=content, content_type=media.content_type)
        media.state = MessageMedia.State.UPLOADED
        media.save(update_fields=["source_url", "state"])
        urls.append(media.source_url)
    return urls
