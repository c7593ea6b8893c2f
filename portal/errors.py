"""Error pages: JSON for the API and webhooks (the API's one error body), HTML for people."""

from django.http import JsonResponse
from django.shortcuts import render

from portal.exceptions import SERVER_ERROR, PortalError, error_body


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
    if _wants_json(request):
        return JsonResponse(error_body(SERVER_ERROR, "server_error"), status=500)
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("You do not have permission to do this.", "permission_denied"), status=403)
    return render(request, "403.html", status=403)
