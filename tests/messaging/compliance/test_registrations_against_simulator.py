"""The 10DLC and toll-free refresh against the simulator's account API over real HTTP: the portal reads what the
simulator (written from Bandwidth's own examples) answers, campaign class and toll-free status included."""

import pytest
from django.test import override_settings

from devtools.simulator import Simulator, SimulatorConfig
from messaging.models import PhoneNumber
from messaging.services.compliance import registrations
from tests.messaging.factories import ACCOUNT, APPLICATION_ID, CLIENT_SECRET, DID, OTHER_DID

pytestmark = pytest.mark.django_db
TOLL_FREE = "+18335550100"


@pytest.fixture
def simulator(fresh_redis):
    sim = Simulator(SimulatorConfig(port=0, seed=3, callback_delay_ms=0)).start()
    sim.add_credential("client-id-123", CLIENT_SECRET, account_id=ACCOUNT)
    sim.register_application(APPLICATION_ID, callback_url="https://portal.example/webhook", account_id=ACCOUNT)
    sim.set_campaigns(ACCOUNT, {"campaigns": [
        {"campaignId": "CDEMO01", "messageClass": "Campaign-E", "status": "Active", "numbers": [DID]}]})
    sim.set_toll_free(ACCOUNT, {"numbers": {TOLL_FREE: {"status": "PENDING"}}})
    with override_settings(BANDWIDTH_DASHBOARD_API_URL=f"{sim.base_url}/api",
                           BANDWIDTH_ACCOUNT_API_URL=f"{sim.base_url}/api/v2",
                           BANDWIDTH_MESSAGING_API_URL=sim.api_url, BANDWIDTH_OAUTH_TOKEN_URL=sim.token_url):
        yield sim
    sim.stop()


def test_refresh_reads_campaign_membership_class_and_toll_free_status(simulator, acme_config, acme_schema, second_did):
    PhoneNumber.objects.create(trunk=acme_config.trunk, number=TOLL_FREE)
    result = registrations.refresh_registrations()
    assert result.errors == []

    registered, outside, toll_free = (PhoneNumber.objects.get(number=n) for n in (DID, OTHER_DID, TOLL_FREE))
    assert (registered.ten_dlc_status, registered.campaign_id, registered.campaign_class) == (
        "registered", "CDEMO01", "E")
    assert registered.registration_source == "bandwidth"
    assert outside.ten_dlc_status == "not_registered"
    assert toll_free.toll_free_status.upper() == "PENDING"

    simulator.set_toll_free(ACCOUNT, {"numbers": {TOLL_FREE: {"status": "VERIFIED"}}})
    registrations.refresh_registrations()
    assert PhoneNumber.objects.get(number=TOLL_FREE).toll_free_status.upper() == "VERIFIED"
