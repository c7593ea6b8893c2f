import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tenants.models import Membership
from tests.conftest import PASSWORD


@pytest.fixture
def ext_client(tenant_a) -> Client:
    """Signed in as an extension user of Acme."""
    user = get_user_model().objects.create_user(username="ext_usage", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ext_api(tenant_a):
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_user(username="ext_usage_api", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = APIClient()
    client.force_authenticate(user)
    return client
