"""Every API error is one JSON shape, never an HTML page:

    {"detail": "<one sentence a person can read>", "code": "<stable code>", "fields": {"<field>": ["..."]}}

`fields` is always there ({} when the error is about no field). Validation errors are 400 "invalid";
DRF's own errors keep their status and code (not_authenticated 401, permission_denied 403, not_found 404,
method_not_allowed 405, parse_error 400, unsupported_media_type 415, throttled 429); the project's
PortalError subclasses answer their `http_status` and `code`. Anything else is a bug: logged, 500.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from portal.exceptions import (
    RETRY_AFTER_SECONDS,
    SERVER_ERROR,
    UNAVAILABLE,
    PortalError,
    error_body,
    is_outage,
    summarise,
)

logger = logging.getLogger(__name__)


def api_exception_handler(exc, context):
    if isinstance(exc, PortalError):
        set_rollback()
        return Response(error_body(exc.message, exc.code, exc.fields), status=exc.http_status)
    if is_outage(exc):
        set_rollback()
        logger.warning("database unavailable: %s", exc)
        return Response(error_body(UNAVAILABLE, "unavailable"), status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    exc = _as_drf(exc)
    response = exception_handler(exc, context)  # sets WWW-Authenticate and Retry-After
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(error_body(SERVER_ERROR, "server_error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, exceptions.ValidationError):
        fields, general = _flatten(exc.detail)
        response.data = error_body(" ".join(general) or summarise(fields) or "The request is not valid.", "invalid",
                                   fields)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else " ".join(_messages(exc.detail))
        response.data = error_body(str(detail) or "The request was refused.", _code(exc))
    return response


def _as_drf(exc):
    """Django's own errors as DRF's, so that they get DRF's status and code."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(get_error_detail(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def _code(exc) -> str:
    return getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", None) or "error"


def _flatten(detail) -> tuple[dict[str, list[str]], list[str]]:
    """DRF's nested error detail as {field: [messages]} (nested keys folded into the message) and the
    errors about no field."""
    if isinstance(detail, dict):
        return {str(field): _messages(value) for field, value in detail.items()}, []
    return {}, _messages(detail)


def _messages(value, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        # A ListField's child errors come keyed by position from 0; people count items from 1.
        return [
            message for key, item in value.items()
            for message in _messages(item, f"{prefix}Item {key + 1}: " if isinstance(key, int) else f"{prefix}{key}: ")
        ]
    if isinstance(value, list):
        messages = []
        for position, item in enumerate(value, start=1):
            if isinstance(item, dict | list):
                messages += _messages(item, f"{prefix}Item {position}: ")
            else:
                messages.append(f"{prefix}{item}")
        return messages
    return [f"{prefix}{value}"]
