"""Fault injection as the portal's client sees it: 429, 5xx, accept-then-drop, latency."""

import time

import pytest

from messaging.bandwidth import BandwidthOutcomeUnknown, BandwidthRateLimited, BandwidthUnavailable
from tests.devtools.simulator.conftest import APP_ID, OUR_NUMBER, THEIR_NUMBER


def send(bw, tag="msg-1"):
    return bw.send_message(application_id=APP_ID, to=[THEIR_NUMBER], from_=OUR_NUMBER, text="Hi", tag=tag)


def test_429_surfaces_as_rate_limited_with_retry_after(simulator, app, bw):
    simulator.configure(rate_limit_rate=1, retry_after=7)
    with pytest.raises(BandwidthRateLimited) as caught:
        send(bw)
    assert caught.value.status == 429 and caught.value.retry_after == 7
    assert simulator.messages() == []


def test_server_errors_surface_as_unavailable(simulator, app, bw):
    simulator.configure(failure_rate=1)
    with pytest.raises(BandwidthUnavailable) as caught:
        send(bw)
    assert caught.value.status in (500, 503) and caught.value.transient
    assert simulator.messages() == []


def test_accept_then_drop_is_outcome_unknown_but_recorded_and_called_back(simulator, app, bw, receiver):
    simulator.configure(drop_rate=1)
    with pytest.raises(BandwidthOutcomeUnknown):
        send(bw, tag="lost-answer")
    [record] = simulator.messages()
    assert record["dropped"] is True and record["tag"] == "lost-answer"
    assert simulator.wait_idle()
    [event] = receiver.events()
    assert event["type"] == "message-delivered" and event["message"]["tag"] == "lost-answer"
    # The client's reconciliation finds it by number.
    assert bw.search_messages(source_tn=OUR_NUMBER).messages[0].message_id == record["id"]


def test_rates_are_seeded_and_repeatable(simulator, app, api):
    def outcomes():
        simulator.configure(seed=3, failure_rate=0.5)
        return [api("POST", "/messages", json={"applicationId": APP_ID, "to": [THEIR_NUMBER], "from": OUR_NUMBER,
                                               "text": "x"}).status_code for _ in range(12)]
    first = outcomes()
    assert set(first) >= {202} and set(first) - {202}
    assert outcomes() == first


def test_latency_delays_api_answers(simulator, app, bw):
    bw.check_connection()  # token fetched before timing
    simulator.configure(latency_ms=150)
    started = time.monotonic()
    bw.check_connection()
    assert time.monotonic() - started >= 0.15
