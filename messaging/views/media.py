from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from messaging.models import MessageMedia

# Shown in the browser; anything else (PDF, vCard, video…) is downloaded, never rendered from our origin.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif")


def attachment_response(media: MessageMedia) -> FileResponse:
    """A stored attachment's file, with the headers that keep a hostile file inert. Raises Http404."""
    if not media.file:
        raise Http404("No stored file for this attachment.")
    try:
        handle = media.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    content_type = media.content_type or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, as_attachment=content_type not in INLINE_TYPES,
                            filename=media.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def media_file(request, pk: int):
    """An MMS attachment, only inside its tenant (the tenant middleware has checked the user)."""
    return attachment_response(get_object_or_404(MessageMedia.objects.exclude(file=""), pk=pk))
