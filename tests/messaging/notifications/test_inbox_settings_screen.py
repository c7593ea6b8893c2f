"""The Inbox settings screen: a user turns their own e-mail notification on and off, sees where mails go,
and is told when they have no address. Other tenants' users and anonymous visitors do not get in."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from messaging.models import InboxPreference
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.notifications.conftest import extension_user

pytestmark = pytest.mark.django_db
SETTINGS = "/t/acme/inbox/settings/"


def wants(tenant, user) -> bool:
    with tenant_context(tenant):
        return InboxPreference.objects.get(user=user).email_on_inbound


@pytest.fixture
def carol(tenant_a, alice):
    with tenant_context(tenant_a):
        return extension_user(tenant_a, "carol", extension=alice, email="carol@example.com", wants=False)


def test_an_extension_user_turns_the_mail_on_and_off(client, tenant_a, carol):
    client.force_login(carol)
    page = client.get(SETTINGS).content.decode()
    assert "carol@example.com" in page and "<code>101</code>" in page
    assert 'name="email_on_inbound"' in page and "checked" not in page

    assert client.post(SETTINGS, {"email_on_inbound": "on"})["Location"] == SETTINGS
    assert wants(tenant_a, carol)
    assert "checked" in client.get(SETTINGS).content.decode()
    client.post(SETTINGS, {})
    assert not wants(tenant_a, carol)


def test_a_user_without_an_address_is_told_nothing_can_be_sent(client, tenant_a, carol):
    carol.email = ""
    carol.save(update_fields=["email"])
    client.force_login(carol)
    assert 'data-testid="no-address"' in client.get(SETTINGS).content.decode()
    answer = client.post(SETTINGS, {"email_on_inbound": "on"}, follow=True)
    assert "no e-mail address" in answer.content.decode()


def test_each_user_changes_only_their_own_choice(client, tenant_a, alice_and_bob, carol):
    with tenant_context(tenant_a):
        dave = extension_user(tenant_a, "dave", extension=alice_and_bob[1], email="dave@example.com", wants=False)
    client.force_login(dave)
    page = client.get(SETTINGS).content.decode()
    assert "dave@example.com" in page and "carol" not in page and "<code>101</code>" not in page
    client.post(SETTINGS, {"email_on_inbound": "on"})
    assert wants(tenant_a, dave) and not wants(tenant_a, carol)


def test_an_administrator_may_use_it_too(client_a, tenant_a, admin_a):
    assert 'data-testid="no-extensions"' in client_a.get(SETTINGS).content.decode()
    client_a.post(SETTINGS, {"email_on_inbound": "on"})
    assert wants(tenant_a, admin_a)


def test_other_tenants_users_get_404_and_anonymous_visitors_the_sign_in(client, client_b, tenant_b, admin_a):
    assert client_b.get(SETTINGS).status_code == 404
    assert client_b.post(SETTINGS, {"email_on_inbound": "on"}).status_code == 404
    globex_user = get_user_model().objects.create_user(username="gina", password=PASSWORD)
    Membership.objects.create(user=globex_user, tenant=tenant_b, role=Membership.Role.EXTENSION)
    client.force_login(globex_user)
    assert client.get(SETTINGS).status_code == 404
    client.logout()
    answer = client.get(SETTINGS)
    assert answer.status_code == 302 and answer["Location"] == f"/login/?next={SETTINGS}"
    assert client.post(SETTINGS, {"email_on_inbound": "on"}).status_code == 302
