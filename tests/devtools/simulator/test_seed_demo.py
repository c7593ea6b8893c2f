"""`manage.py seed_demo` gives the demo account at the simulator what Connect to Bandwidth reads."""

import io
import xml.etree.ElementTree as ET

from django.core.management import call_command
from django_tenants.utils import tenant_context

from devtools.management.commands import seed_demo
from messaging.models import PhoneNumber
from tenants.models import Tenant
from tests.devtools.simulator.account_helpers import Dashboard


def test_seed_demo_sets_up_the_demo_account_at_the_simulator(db, simulator, session, token):
    call_command("seed_demo", simulator=simulator.base_url, stdout=io.StringIO())
    with tenant_context(Tenant.objects.get(slug=seed_demo.DEMO_SLUG)):
        numbers = sorted(PhoneNumber.objects.values_list("number", flat=True))
    assert numbers == sorted([*seed_demo.DIDS, seed_demo.TOLL_FREE])
    dash = Dashboard(simulator, session, token, account=seed_demo.ACCOUNT_ID)
    peer = f"/sites/{seed_demo.SITE_ID}/sippeers/{seed_demo.PEER_ID}"
    assert sorted(n.text for n in ET.fromstring(dash("GET", f"{peer}/tns").content).iter("FullNumber")) == sorted(
        number[2:] for number in numbers)
    settings = ET.fromstring(dash("GET", f"{peer}/products/messaging/applicationSettings").content)
    assert settings.findtext("ApplicationsSettings/HttpMessagingV2AppId") == seed_demo.APPLICATION_ID
    # The manual configuration stays: its application is the one Connect to Bandwidth would update.
    app = ET.fromstring(dash("GET", f"/applications/{seed_demo.APPLICATION_ID}").content)
    assert "/webhooks/bandwidth/" in app.findtext("Application/InboundCallbackUrl")
    campaign = ET.fromstring(dash("GET", f"/campaignManagement/10dlc/campaigns/{seed_demo.CAMPAIGN_ID}/tn").content)
    assert sorted(n.text for n in campaign.iter("TelephoneNumber")) == sorted(d[2:] for d in seed_demo.DIDS)
    assert simulator.state.fixture("toll_free", seed_demo.ACCOUNT_ID)[seed_demo.TOLL_FREE]["status"] == "VERIFIED"
