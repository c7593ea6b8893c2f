"""Every API error is JSON: {"detail": ...} or field errors, never an HTML page."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is not None:
        return response
    domain_response = _domain_error_response(exc)
    if domain_response is not None:
        return domain_response
    logger.exception("unhandled API error", exc_info=exc)
    return Response({"detail": "Internal error; it has been logged."}, status=500)


def _domain_error_response(exc):
    # Services raise these; imported lazily so portal/ does not depend on messaging/ at import time.
    try:
        from messaging.exceptions import MessagingError
    except ImportError:
        return None
    if isinstance(exc, MessagingError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body = {exc.field: [exc.message], "detail": exc.message, "code": exc.code}
        return Response(body, status=exc.http_status)
    return None
