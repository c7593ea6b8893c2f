"""Connect to Bandwidth, the drift check and Repair against the simulator's account API over real HTTP: the portal's
XML and the simulator's (both written from Bandwidth's numbers.yml examples) must understand each other."""

import pytest
import requests
from django.test import override_settings

from devtools.simulator import Simulator, SimulatorConfig
from messaging.models import SmsConfiguration
from messaging.services.configuration import bandwidth_connect, sms_configurations
from tests.messaging.factories import ACCOUNT, APPLICATION_ID, CLIENT_SECRET, DID

pytestmark = pytest.mark.django_db


@pytest.fixture
def simulator(fresh_redis):
    sim = Simulator(SimulatorConfig(port=0, seed=3, callback_delay_ms=0)).start()
    sim.add_credential("client-id-123", CLIENT_SECRET, account_id=ACCOUNT)
    sim.register_application(APPLICATION_ID, callback_url="https://old.example/webhook", account_id=ACCOUNT)
    sim.set_locations(ACCOUNT, {"sites": [
        {"id": "1001", "name": "Main", "sipPeers": [{"id": "5001", "name": "PBX", "numbers": [DID]}]},
        {"id": "1002", "name": "Lab", "sipPeers": [{"id": "5002", "name": "Test", "numbers": ["+12025550100"]}]},
    ]})
    with override_settings(BANDWIDTH_DASHBOARD_API_URL=f"{sim.base_url}/api",
                           BANDWIDTH_MESSAGING_API_URL=sim.api_url, BANDWIDTH_OAUTH_TOKEN_URL=sim.token_url):
        yield sim
    sim.stop()


def application(sim) -> dict:
    return sim.state.application(APPLICATION_ID)  # the admin API masks the password


def test_connect_points_the_simulators_application_at_our_webhook_then_drift_and_repair(
        simulator, acme_config, acme_schema, admin_a):
    config = bandwidth_connect.connect(SmsConfiguration.objects.get(pk=acme_config.pk), actor=admin_a)

    app = application(simulator)
    assert app["callbackUrl"] == sms_configurations.webhook_url(config)
    assert (app["callbackUsername"], app["callbackPassword"]) == (config.callback_username, config.callback_password)
    assert (config.bandwidth_site_id, config.bandwidth_sip_peer_id) == ("1001", "5001")
    assert bandwidth_connect.check_drift(config).drift == []

    # Someone edits the application in Bandwidth's dashboard: the check sees it, Repair puts it back.
    requests.put(f"{simulator.base_url}/simulator/applications/{APPLICATION_ID}",
                 json={"callbackUrl": "https://elsewhere.example/hook"}, timeout=5).raise_for_status()
    drift = bandwidth_connect.check_drift(SmsConfiguration.objects.get(pk=config.pk)).drift
    assert drift and any("https://elsewhere.example/hook" in str(item.get("found")) for item in drift)

    repaired = bandwidth_connect.repair(SmsConfiguration.objects.get(pk=config.pk), actor=admin_a)
    assert application(simulator)["callbackUrl"] == sms_configurations.webhook_url(repaired)
    assert bandwidth_connect.check_drift(repaired).drift == []
