"""What a locked-out sign-in sees (django-axes): JSON for the API, a page for people."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from portal.exceptions import error_body


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = (
        f"Too many failed sign-ins: this account or address is locked for {minutes} minutes. "
        "Try again later or ask a system administrator."
    )
    if "/api/" in request.path:
        return JsonResponse(error_body(message, "locked_out"), status=429)
    return render(request, "registration/locked_out.html", {"message": message, "minutes": minutes}, status=429)
