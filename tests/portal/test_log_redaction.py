"""Webhook tokens never reach a log line or an error report: the messaging webhook's and the toll-free
verification webhook's (whose tenant slug stays readable)."""

import pytest

from portal.log_redaction import redact

TOKEN = "q3Vb0QvJ6pXc2Ydz9Lk1Mn4Rs7Tu8Wx0Za5Bc6De7Fg"  # noqa: S105 - made up for the test


@pytest.mark.parametrize("line, expected", [
    (f"POST /webhooks/bandwidth/{TOKEN}/ 200", "POST /webhooks/bandwidth/***/ 200"),
    (f"POST /webhooks/bandwidth/toll-free/acme/{TOKEN}/?x=1 204",
     "POST /webhooks/bandwidth/toll-free/acme/***/?x=1 204"),
    (f"https://p.example.com/webhooks/bandwidth/toll-free/acme/{TOKEN}",
     "https://p.example.com/webhooks/bandwidth/toll-free/acme/***"),
])
def test_tokens_are_replaced(line, expected):
    assert redact(line) == expected and TOKEN not in redact(line)
