from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from messaging.models import MessageMedia


def media_file(request, pk: int):
    """An MMS attachment, only inside its tenant (the tenant middleware has checked the user)."""
    media = get_object_or_404(MessageMedia.objects.exclude(file=""), pk=pk)
    try:
        handle = media.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    response = FileResponse(handle, content_type=media.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'inline; filename="{media.file.name.rsplit("/", 1)[-1]}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
