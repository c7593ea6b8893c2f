"""Error pages: JSON for the API and webhooks, HTML for people."""

from django.http import JsonResponse
from django.shortcuts import render


def _wants_json(request) -> bool:
    return "/api/" in request.path or request.path.startswith("/webhooks/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return render(request, "403.html", status=403)
