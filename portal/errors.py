"""Error pages: JSON for the API and webhooks (the API's one error body), HTML for people."""

import sys

from django.http import JsonResponse
from django.shortcuts import render

from portal.exceptions import RETRY_AFTER_SECONDS, SERVER_ERROR, UNAVAILABLE, PortalError, error_body, is_outage


def _wants_json(request) -> bool:
    return "/api/" in request.path or request.path.startswith("/webhooks/")


def error_response(error: PortalError, *, headers: dict | None = None) -> JsonResponse:
    """A PortalError as the API answers it, for JSON views outside DRF (the webhook)."""
    return JsonResponse(error_body(error.message, error.code, error.fields), status=error.http_status, headers=headers)


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("Not found.", "not_found"), status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # Django calls this while handling the exception, so it is still the current one.
    if is_outage(sys.exc_info()[1]):
        return unavailable(request)
    if _wants_json(request):
        return JsonResponse(error_body(SERVER_ERROR, "server_error"), status=500)
    return render(request, "500.html", status=500)


def unavailable(request):
    """503 with Retry-After while the database restarts: Bandwidth retries it, people try again."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _wants_json(request):
        return JsonResponse(error_body(UNAVAILABLE, "unavailable"), status=503, headers=headers)
    response = render(request, "503.html", {"message": UNAVAILABLE}, status=503)
    response["Retry-After"] = headers["Retry-After"]
    return response


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("You do not have permission to do this.", "permission_denied"), status=403)
    return render(request, "403.html", status=403)
