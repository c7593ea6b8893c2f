"""The messaging fixtures the broker-outage test builds on (Acme ready to send, a configuration with its
webhook, Bandwidth faked with `responses`, eager tasks), shared from tests/messaging/conftest.py."""

from tests.messaging.conftest import (  # noqa: F401
    acme,
    acme_config,
    acme_trunk,
    bandwidth,
    eager,
    fresh_redis,
)
