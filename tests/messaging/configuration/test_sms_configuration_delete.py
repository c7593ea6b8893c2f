"""Deleting an SMS configuration that outbound rules send through is refused with the rules named: a
ConfigurationInUse (409 on the API, a message on the screen), never a ProtectedError 500 (item 8 of issue 10)."""

import pytest
from django_tenants.utils import tenant_context

from messaging.exceptions import ConfigurationInUse
from messaging.models import OutboundRule, SmsConfiguration
from messaging.services.configuration import sms_configurations as service

pytestmark = pytest.mark.django_db


def test_the_service_names_the_rules_and_deletes_nothing(acme):
    OutboundRule.objects.create(name="Canada", destination_prefix="+1", sms_configuration=acme.configuration,
                                order=20)
    with pytest.raises(ConfigurationInUse) as refused:
        service.delete_configuration(user=None, configuration=acme.configuration)
    assert "“US”, “Canada”" in refused.value.message and refused.value.http_status == 409
    assert SmsConfiguration.objects.filter(pk=acme.configuration.pk).exists()


def test_the_api_answers_409_naming_the_rule(acme, api_a):
    answer = api_a.delete(f"/t/acme/api/v1/sms-configurations/{acme.configuration.pk}/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "configuration_in_use" and "“US”" in answer.json()["detail"]


def test_the_screen_shows_the_rules_and_keeps_the_configuration(acme, client_a):
    url = f"/t/acme/sms/{acme.configuration.pk}/delete/"
    assert "“US”" in client_a.get(url).content.decode()
    page = client_a.post(url)
    assert page.status_code == 200 and "Outbound rule “US” sends through “Main SMS”" in page.content.decode()
    with tenant_context(acme.tenant):
        assert SmsConfiguration.objects.filter(pk=acme.configuration.pk).exists()


def test_without_rules_it_is_deleted(acme, api_a):
    OutboundRule.objects.all().delete()
    assert api_a.delete(f"/t/acme/api/v1/sms-configurations/{acme.configuration.pk}/").status_code == 204
