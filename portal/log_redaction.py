"""What no log line may carry: a webhook URL's token, the credential Bandwidth posts with.

Kept free of Django so that the gunicorn master (portal/web_worker.py) can import it before Django is loaded.
"""

import logging
import re

# The messaging webhook's token (/webhooks/bandwidth/<token>/) and the toll-free verification webhook's
# (/webhooks/bandwidth/toll-free/<tenant slug>/<token>/): the slug is kept, the token never.
WEBHOOK_TOKEN = re.compile(r"(/webhooks/bandwidth/(?:toll-free/[^/\s?]+/)?)[^/\s?]+")


def redact(value: str) -> str:
    return WEBHOOK_TOKEN.sub(r"\1***", value)


class RedactWebhookTokens(logging.Filter):
    """Replaces webhook tokens in a record's arguments (request lines quote the path) and in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
