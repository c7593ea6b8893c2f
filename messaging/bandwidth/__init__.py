"""Bandwidth Messaging API v2: client, authentication, typed errors, error codes and segment counting.

Knows no models or views; services pass Credentials in and get dataclasses or BandwidthError out.
"""

from messaging.bandwidth.auth import Credentials, account_id_problem
from messaging.bandwidth.client import BandwidthClient, MessageRecord, SearchResult, SentMessage
from messaging.bandwidth.codes import ErrorExplanation, describe_error
from messaging.bandwidth.errors import (
    BandwidthAuthError,
    BandwidthError,
    BandwidthMediaRefused,
    BandwidthOutcomeUnknown,
    BandwidthPermissionError,
    BandwidthRateLimited,
    BandwidthRequestError,
    BandwidthUnavailable,
    FieldError,
)
from messaging.bandwidth.segments import SegmentInfo, count_segments

__all__ = [
    "BandwidthAuthError",
    "BandwidthClient",
    "BandwidthError",
    "BandwidthMediaRefused",
    "BandwidthOutcomeUnknown",
    "BandwidthPermissionError",
    "BandwidthRateLimited",
    "BandwidthRequestError",
    "BandwidthUnavailable",
    "Credentials",
    "ErrorExplanation",
    "FieldError",
    "MessageRecord",
    "SearchResult",
    "SegmentInfo",
    "SentMessage",
    "account_id_problem",
    "count_segments",
    "describe_error",
]
