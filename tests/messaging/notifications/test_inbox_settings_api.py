"""GET/PATCH /t/<slug>/api/v1/inbox-settings/: the caller's own notification choice."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from messaging.models import InboxPreference
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.notifications.conftest import extension_user

pytestmark = pytest.mark.django_db
URL = "/t/acme/api/v1/inbox-settings/"


@pytest.fixture
def carol(tenant_a, alice):
    with tenant_context(tenant_a):
        return extension_user(tenant_a, "carol", extension=alice, email="carol@example.com", wants=False)


def test_an_extension_user_reads_and_changes_their_choice(api_client, tenant_a, carol):
    api_client.force_authenticate(carol)
    assert api_client.get(URL).json() == {"email_on_inbound": False, "email": "carol@example.com",
                                          "can_send": True, "extensions": ["101"]}
    answer = api_client.patch(URL, {"email_on_inbound": True}, format="json")
    assert answer.status_code == 200 and answer.json()["email_on_inbound"] is True
    with tenant_context(tenant_a):
        assert InboxPreference.objects.get(user=carol).email_on_inbound


def test_a_bad_value_is_a_400_with_the_field(api_client, carol):
    api_client.force_authenticate(carol)
    answer = api_client.patch(URL, {"email_on_inbound": "perhaps"}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == {"detail", "code", "fields"} and "email_on_inbound" in answer.json()["fields"]


def test_without_an_address_it_says_nothing_can_be_sent(api_client, carol):
    carol.email = ""
    carol.save(update_fields=["email"])
    api_client.force_authenticate(carol)
    assert api_client.patch(URL, {"email_on_inbound": True}, format="json").json()["can_send"] is False


def test_other_tenants_users_get_404_and_anonymous_401(api_client, admin_b, tenant_b, carol):
    assert api_client.get(URL).status_code in (401, 403)
    api_client.force_authenticate(admin_b)
    assert api_client.get(URL).status_code == 404
    assert api_client.patch(URL, {"email_on_inbound": True}, format="json").status_code == 404
    gina = get_user_model().objects.create_user(username="gina", password=PASSWORD)
    Membership.objects.create(user=gina, tenant=tenant_b, role=Membership.Role.EXTENSION)
    api_client.force_authenticate(gina)
    assert api_client.get(URL).status_code == 404
