"""The simulator's own admin API, state file, and the management command."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from devtools.simulator import Simulator, SimulatorConfig
from tests.devtools.simulator.conftest import APP_ID, send_body

ROOT = Path(__file__).resolve().parents[3]


def test_config_is_adjustable_at_runtime_and_validated(simulator, session):
    url = f"{simulator.base_url}/simulator/config"
    changed = session.put(url, json={"failureRate": 0.25, "reorderCallbacks": True, "failCodes": [4720, 5106]})
    assert changed.status_code == 200
    assert changed.json() | {} == session.get(url).json()
    assert changed.json()["failureRate"] == 0.25 and simulator.config.fail_codes == [4720, 5106]
    for bad in ({"failureRate": 2}, {"nope": 1}, {"failCodes": ["x"]}, {"reorderCallbacks": "yes"}):
        assert session.put(url, json=bad).status_code == 400
    assert simulator.config.failure_rate == 0.25


def test_applications_are_registered_listed_and_deleted(simulator, session):
    url = f"{simulator.base_url}/simulator/applications/{APP_ID}"
    put = session.put(url, json={"callbackUrl": "http://127.0.0.1:1/cb", "callbackUsername": "u",
                                 "callbackPassword": "p", "accountId": "9900123", "numbers": ["+19195550100"]})
    assert put.status_code == 200 and put.json()["callbackPassword"] == "***"
    assert [a["applicationId"] for a in session.get(f"{simulator.base_url}/simulator/applications").json()
            ["applications"]] == [APP_ID]
    assert session.put(url, json={"callbackUrl": "ftp://x"}).status_code == 400
    assert session.delete(url).status_code == 204
    assert session.get(url).status_code == 404


def test_reset_forgets_traffic_and_optionally_everything(simulator, app, api, session):
    api("POST", "/messages", json=send_body())
    simulator.wait_idle()
    assert session.post(f"{simulator.base_url}/simulator/reset").json() == {"reset": "traffic"}
    assert simulator.messages() == [] and simulator.callbacks() == []
    assert simulator.state.application(APP_ID) is not None
    simulator.configure(failure_rate=1)
    session.post(f"{simulator.base_url}/simulator/reset", json={"all": True})
    assert simulator.state.application(APP_ID) is None and simulator.config.failure_rate == 0


def test_callback_log_can_be_filtered(simulator, app, api, session):
    sent = api("POST", "/messages", json=send_body(to=["+19195550199", "+19195550198"])).json()
    simulator.wait_idle()
    data = session.get(f"{simulator.base_url}/simulator/callbacks",
                       params={"messageId": sent["id"], "type": "message-delivered"}).json()
    assert data["pending"] == 0 and data["totalCount"] == 2
    assert {c["to"] for c in data["callbacks"]} == {"+19195550199", "+19195550198"}


def test_unknown_routes_and_methods(simulator, session):
    assert session.get(f"{simulator.base_url}/api/v2/nothing").status_code == 404
    assert session.delete(f"{simulator.base_url}/simulator/messages").status_code == 405


def test_state_file_keeps_messages_media_and_applications_across_restarts(tmp_path, session):
    state_file = str(tmp_path / "sim.json")
    first = Simulator(SimulatorConfig(port=0, state_file=state_file)).start()
    try:
        first.register_application(APP_ID, account_id="9900123")
        token = session.post(first.token_url, auth=("id", "secret"),
                             data={"grant_type": "client_credentials"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        session.put(f"{first.api_url}/users/9900123/media/a.bin", data=b"\x00\x01", headers=auth)
        session.post(f"{first.api_url}/users/9900123/messages", json=send_body(), headers=auth)
    finally:
        first.stop()
    second = Simulator(SimulatorConfig(port=0, state_file=state_file)).start()
    try:
        assert len(second.messages()) == 1 and second.state.application(APP_ID)["accountId"] == "9900123"
        media = session.get(f"{second.api_url}/users/9900123/media/a.bin", headers=auth)
        assert media.status_code == 200 and media.content == b"\x00\x01"
    finally:
        second.stop()


def test_management_command_serves_until_terminated(session):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "bandwidth_simulator", "--port", "0", "--seed", "1", "--failure-rate", "0.1",
         "--application", f"{APP_ID}=http://u:p@127.0.0.1:1/cb", "--account-id", "9900123"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        app = session.get(f"{base}/simulator/applications/{APP_ID}", timeout=5).json()
        assert app["callbackUrl"] == "http://127.0.0.1:1/cb" and app["callbackUsername"] == "u"
        assert session.get(f"{base}/simulator/config", timeout=5).json()["failureRate"] == 0.1
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0 and "Simulator stopped." in out
