"""BandwidthError: transient flags, Retry-After parsing, and no secrets in messages."""

import pickle
from datetime import UTC, datetime

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from messaging.bandwidth import (
    BandwidthError,
    BandwidthOutcomeUnknown,
    BandwidthRateLimited,
    BandwidthRequestError,
    BandwidthUnavailable,
)
from messaging.bandwidth.errors import error_from_exception, parse_retry_after


@pytest.mark.parametrize(("value", "seconds"), [
    ("7", 7.0), (" 0 ", 0.0), ("-3", 0.0), ("Tue, 24 Nov 2026 20:00:30 GMT", 30.0), ("soon", None), (None, None),
])
def test_retry_after_reads_seconds_and_http_dates(value, seconds):
    assert parse_retry_after(value, now=datetime(2026, 11, 24, 20, 0, tzinfo=UTC)) == seconds


def test_transient_means_may_succeed_if_sent_again():
    assert BandwidthRateLimited("slow down", status=429).transient
    assert BandwidthUnavailable("down", status=503).transient
    assert BandwidthUnavailable("refused").transient
    assert not BandwidthOutcomeUnknown("lost").transient
    assert not BandwidthRequestError("bad", status=400).transient
    assert BandwidthError("odd", status=502).transient


def test_connect_failure_wrapped_by_requests_is_never_sent():
    refused = requests.exceptions.ConnectionError(
        MaxRetryError(None, "/x", NewConnectionError(None, "Connection refused"))
    )
    assert isinstance(error_from_exception(refused, idempotent=False), BandwidthUnavailable)


def test_dropped_connection_after_send_is_unknown_only_for_non_idempotent_requests():
    dropped = requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))
    assert isinstance(error_from_exception(dropped, idempotent=False), BandwidthOutcomeUnknown)
    assert isinstance(error_from_exception(dropped, idempotent=True), BandwidthUnavailable)


def test_repr_and_str_show_what_bandwidth_said_and_truncate_the_body():
    error = BandwidthRequestError("Bad from", status=400, error_type="request-validation", body="x" * 10_000)
    assert repr(error) == "BandwidthRequestError(status=400, error_type='request-validation', description='Bad from')"
    assert str(error) == "HTTP 400; request-validation; Bad from"
    assert len(error.body) == 2000
    assert error.user_message == "Bandwidth refused the request: Bad from"


def test_error_survives_pickling_for_celery_retries():
    error = BandwidthRateLimited("slow down", status=429, retry_after=7.0, user_message="Wait a moment.")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is BandwidthRateLimited
    assert (copy.status, copy.retry_after, copy.user_message, copy.transient) == (429, 7.0, "Wait a moment.", True)
    assert str(copy) == str(error) == "HTTP 429; slow down"
