"""POST .../sms-configurations/{id}/test-message/ starts a test message and answers its report; GET
.../test-message/{test_id}/ answers the report again. Odd inputs are 4xx; anyone else gets 404."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from messaging.models import ConnectionTest, Message
from tenants.models import Membership
from tests.messaging.factories import DID, OTHER_DID, RECIPIENT, in_acme

pytestmark = pytest.mark.django_db


def base(acme) -> str:
    return f"/t/acme/api/v1/sms-configurations/{acme.configuration.pk}/test-message/"


def test_post_starts_a_test_and_answers_its_steps(acme, api_a):
    answer = api_a.post(base(acme), {"from_number": DID, "to": OTHER_DID, "text": "Ping"}, format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    test = in_acme(acme, lambda: ConnectionTest.objects.get())
    assert (data["id"], data["from_number"], data["to"], data["state"], data["finished_at"]) == (
        test.pk, DID, OTHER_DID, "running", None)
    assert [step["key"] for step in data["steps"]] == ["accepted", "sending", "delivered", "inbound"]
    assert [step["state"] for step in data["steps"]] == ["waiting", "skipped", "waiting", "waiting"]
    assert in_acme(acme, lambda: Message.objects.get(pk=data["message"]).text) == "Ping"

    again = api_a.get(f"{base(acme)}{test.pk}/")
    assert again.status_code == 200 and again.json()["id"] == test.pk


def test_a_second_test_while_one_runs_is_409(acme, api_a):
    assert api_a.post(base(acme), {"from_number": DID, "to": OTHER_DID}, format="json").status_code == 201
    answer = api_a.post(base(acme), {"from_number": DID, "to": RECIPIENT}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "test_running"


@pytest.mark.parametrize(("body", "field"), [
    ({"from_number": DID, "to": "nope"}, "to"),
    ({"from_number": DID, "to": "+1919555\x000199"}, "to"),
    ({"from_number": DID, "to": "9" * 100_000}, "to"),
    ({"from_number": DID, "to": 10 ** 40}, "to"),
    ({"from_number": DID, "to": ["+19195550101"]}, "to"),
    ({"from_number": RECIPIENT, "to": OTHER_DID}, "from_number"),
    ({"from_number": "\x00", "to": OTHER_DID}, "from_number"),
    ({"to": OTHER_DID}, "from_number"),
    ({"from_number": DID, "to": OTHER_DID, "text": "x" * 2049}, "text"),
])
def test_odd_inputs_are_400_on_their_field_and_send_nothing(acme, api_a, body, field):
    answer = api_a.post(base(acme), body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]
    assert in_acme(acme, lambda: Message.objects.count()) == 0


def test_a_lone_surrogate_in_the_body_is_400(acme, api_a):
    answer = api_a.post(base(acme), '{"from_number": "+19195550100", "to": "\\ud800"}',
                        content_type="application/json")
    assert answer.status_code == 400
    assert in_acme(acme, lambda: Message.objects.count()) == 0


@pytest.mark.parametrize("suffix", ["9999/", "99999999999999999999/", "abc/"])
def test_an_unknown_test_is_404(acme, api_a, suffix):
    assert api_a.get(base(acme) + suffix).status_code == 404


def test_admin_of_other_tenant_gets_404(acme, api_a, admin_b):
    api_a.post(base(acme), {"from_number": DID, "to": OTHER_DID}, format="json")
    test = in_acme(acme, lambda: ConnectionTest.objects.get())
    other = APIClient()
    other.force_authenticate(admin_b)
    assert other.post(base(acme), {"from_number": DID, "to": RECIPIENT}, format="json").status_code == 404
    assert other.get(f"{base(acme)}{test.pk}/").status_code == 404
    assert in_acme(acme, lambda: ConnectionTest.objects.count()) == 1


def test_extension_user_gets_404(acme, api_a, tenant_a):
    api_a.post(base(acme), {"from_number": DID, "to": OTHER_DID}, format="json")
    test = in_acme(acme, lambda: ConnectionTest.objects.get())
    user = get_user_model().objects.create_user(username="ext_api_tests", password="x-Very-long-9")
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = APIClient()
    client.force_authenticate(user)
    assert client.post(base(acme), {"from_number": DID, "to": RECIPIENT}, format="json").status_code == 404
    assert client.get(f"{base(acme)}{test.pk}/").status_code == 404
    assert in_acme(acme, lambda: ConnectionTest.objects.count()) == 1
