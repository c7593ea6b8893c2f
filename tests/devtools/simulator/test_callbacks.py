"""Callbacks: shapes, per-recipient events, the 401-then-Basic dance, retries, duplicates and reordering."""

from tests.devtools.simulator.conftest import APP_ID, OUR_NUMBER, THEIR_NUMBER, Receiver, send_body

OTHER = "+19195550188"


def test_sms_gets_one_delivered_event_echoing_the_tag(simulator, app, api, receiver):
    sent = api("POST", "/messages", json=send_body(text="Hi", tag="msg-42")).json()
    assert simulator.wait_idle()
    assert len(receiver.calls) == 1 and isinstance(receiver.calls[0]["body"], list)
    [event] = receiver.events()
    assert event["type"] == "message-delivered" and event["description"] == "ok" and event["to"] == THEIR_NUMBER
    assert event["time"].endswith("Z") and "errorCode" not in event
    message = event["message"]
    assert message["id"] == sent["id"] and message["tag"] == "msg-42" and message["text"] == ""
    assert {k: message[k] for k in ("owner", "applicationId", "direction", "to", "from", "segmentCount")} == {
        "owner": OUR_NUMBER, "applicationId": APP_ID, "direction": "out", "to": [THEIR_NUMBER],
        "from": OUR_NUMBER, "segmentCount": 1}


def test_group_message_gets_sending_then_delivered_per_recipient(simulator, app, api, receiver):
    api("POST", "/messages", json=send_body(to=[THEIR_NUMBER, OTHER]))
    assert simulator.wait_idle()
    assert [(e["type"], e["to"]) for e in receiver.events()] == [
        ("message-sending", THEIR_NUMBER), ("message-sending", OTHER),
        ("message-delivered", THEIR_NUMBER), ("message-delivered", OTHER)]


def test_mms_gets_message_sending_first(simulator, app, api, receiver):
    api("POST", "/messages", json=send_body(text="", media=[f"{simulator.api_url}/users/9900123/media/a.png"]))
    assert simulator.wait_idle()
    assert [e["type"] for e in receiver.events()] == ["message-sending", "message-delivered"]


def test_reordering_sends_the_final_event_before_message_sending(simulator, app, api, receiver):
    simulator.configure(reorderCallbacks=True)
    api("POST", "/messages", json=send_body(media=["https://example.com/a.png"]))
    assert simulator.wait_idle()
    assert [e["type"] for e in receiver.events()] == ["message-delivered", "message-sending"]
    # The simulator's own record never moves backwards.
    assert simulator.messages()[0]["recipients"][THEIR_NUMBER]["status"] == "DELIVERED"


def test_duplicate_rate_sends_the_same_event_twice(simulator, app, api, receiver):
    simulator.configure(duplicate_callback_rate=1)
    api("POST", "/messages", json=send_body())
    assert simulator.wait_idle()
    first, second = receiver.events()
    assert first == second
    assert [c["duplicate"] for c in simulator.callbacks()] == [False, True]


def test_failed_delivery_carries_the_error_code(simulator, app, api, receiver):
    simulator.configure(delivery_failure_rate=1, fail_codes=[4720])
    simulator.configure(fail_numbers={OTHER: 4773})
    api("POST", "/messages", json=send_body(to=[THEIR_NUMBER, OTHER]))
    assert simulator.wait_idle()
    failed = {e["to"]: e for e in receiver.events() if e["type"] == "message-failed"}
    assert failed[THEIR_NUMBER]["errorCode"] == 4720 and failed[OTHER]["errorCode"] == 4773
    assert failed[OTHER]["description"] == "inactive-campaign"  # the code's name in Bandwidth's table


def test_callback_credentials_first_call_without_then_with_basic(simulator, api):
    receiver = Receiver(username="hook-user", password="hook-pass")
    try:
        simulator.register_application(APP_ID, callback_url=receiver.url, callback_username="hook-user",
                                       callback_password="hook-pass", account_id="9900123")
        api("POST", "/messages", json=send_body())
        assert simulator.wait_idle()
        assert [c["authorization"] is None for c in receiver.calls] == [True, False]
        assert receiver.calls[1]["authorization"] == "Basic aG9vay11c2VyOmhvb2stcGFzcw=="
        [entry] = simulator.callbacks()
        assert entry["state"] == "delivered"
        assert [(a["authorization"], a["status"]) for a in entry["attempts"]] == [("none", 401), ("basic", 200)]
    finally:
        receiver.stop()


def test_no_credentials_without_a_basic_challenge(simulator, api):
    receiver = Receiver(username="hook-user", password="hook-pass", challenge=False)
    try:
        simulator.register_application(APP_ID, callback_url=receiver.url, callback_username="hook-user",
                                       callback_password="hook-pass")
        simulator.configure(callback_retries=1)
        api("POST", "/messages", json=send_body())
        assert simulator.wait_idle()
        assert all(c["authorization"] is None for c in receiver.calls) and len(receiver.calls) == 2
        assert simulator.callbacks()[0]["state"] == "failed"
    finally:
        receiver.stop()


def test_failed_callbacks_are_retried(simulator, api):
    receiver = Receiver(fail_first=2)
    try:
        simulator.register_application(APP_ID, callback_url=receiver.url)
        api("POST", "/messages", json=send_body())
        assert simulator.wait_idle()
        [entry] = simulator.callbacks()
        assert [a["status"] for a in entry["attempts"]] == [500, 500, 200] and entry["state"] == "delivered"
    finally:
        receiver.stop()


def test_unreachable_callback_url_is_recorded_as_failed(simulator, api):
    simulator.register_application(APP_ID, callback_url="http://127.0.0.1:9/nothing-listens-here")
    simulator.configure(callback_retries=1)
    api("POST", "/messages", json=send_body())
    assert simulator.wait_idle()
    [entry] = simulator.callbacks()
    assert entry["state"] == "failed" and len(entry["attempts"]) == 2
    assert entry["attempts"][0]["error"].startswith("ConnectionError")
