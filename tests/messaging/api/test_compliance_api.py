"""/t/<slug>/api/v1/compliance/ and compliance/numbers/<number>/: the Compliance screen's lists and replies through
the same service, refused in the screen's words; odd inputs answer 400 with the one error body; other tenants'
admins and extension users get 404."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from messaging.models import AuditEntry, ComplianceSettings, NumberKeywordReply
from messaging.models.compliance import DEFAULT_OPT_OUT
from messaging.services.inbound.keywords import get_compliance_settings
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.factories import DID, OTHER_DID
from tests.messaging.opt_out_helpers import in_acme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("second_did")]

SETTINGS = "/t/acme/api/v1/compliance/"
NUMBERS = "/t/acme/api/v1/compliance/numbers/"
PAGE = "/t/acme/compliance/"


def body(**changes) -> dict:
    return {"opt_out_keywords": ["STOP", "QUIT"], "opt_in_keywords": ["START"], "help_keywords": ["HELP"],
            "opt_out_reply": "", "opt_in_reply": "", "help_reply": ""} | changes


def send(client, method: str, path: str, data):
    # json.dumps escapes a lone surrogate as \ud800, as a client's JSON carries it.
    return getattr(client, method)(path, json.dumps(data), content_type="application/json")


def saved(tenant, field: str):
    return in_acme(tenant, lambda: getattr(get_compliance_settings(), field))


@pytest.fixture
def ext_api(tenant_a) -> APIClient:
    user = get_user_model().objects.create_user(username="ext_compliance_api", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_get_shows_the_ctia_fcc_defaults_and_blank_replies(api_a):
    answer = api_a.get(SETTINGS)
    assert answer.status_code == 200
    data = answer.json()
    assert data["opt_out_keywords"] == DEFAULT_OPT_OUT and data["help_keywords"] == ["HELP", "INFO"]
    assert (data["opt_out_reply"], data["opt_in_reply"], data["help_reply"]) == ("", "", "")


def test_put_normalises_like_the_screen_and_is_audited(api_a, admin_a, tenant_a):
    answer = send(api_a, "put", SETTINGS, body(opt_out_keywords=["stop", "Opt  Out", "arret", "STOP"],
                                                help_reply="  Acme: call 555.\r\nReply STOP to end. "))
    assert answer.status_code == 200, answer.json()
    assert answer.json()["opt_out_keywords"] == ["STOP", "OPT OUT", "ARRET"]
    assert saved(tenant_a, "help_reply") == "Acme: call 555.\nReply STOP to end."
    entry = in_acme(tenant_a, lambda: AuditEntry.objects.get(action="update"))
    assert entry.user_id == admin_a.pk and "help_reply" in entry.changes


def test_patch_changes_only_what_it_sends(api_a, tenant_a):
    answer = send(api_a, "patch", SETTINGS, {"opt_in_reply": "Welcome back."})
    assert answer.status_code == 200, answer.json()
    assert saved(tenant_a, "opt_in_reply") == "Welcome back."
    assert saved(tenant_a, "opt_out_keywords") == DEFAULT_OPT_OUT


def test_put_without_every_field_is_refused(api_a, tenant_a):
    answer = send(api_a, "put", SETTINGS, {"help_reply": "x"})
    assert answer.status_code == 400 and "opt_out_keywords" in answer.json()["fields"]
    assert saved(tenant_a, "help_reply") == ""


def test_a_word_in_two_lists_is_refused_with_the_screens_words(api_a, client_a, tenant_a):
    answer = send(api_a, "patch", SETTINGS, {"help_keywords": ["HELP", "stop"]})
    assert answer.status_code == 400
    expected = "“STOP” is already in another list: a word can be in only one."
    assert answer.json() == {"detail": expected, "code": "invalid", "fields": {"help_keywords": [expected]}}
    screen = client_a.post(PAGE, {"opt_out_keywords": "STOP", "opt_in_keywords": "", "help_keywords": "HELP\nstop",
                                  "opt_out_reply": "", "opt_in_reply": "", "help_reply": ""})
    assert screen.context["form"].errors["help_keywords"] == [expected]
    assert saved(tenant_a, "help_keywords") == ["HELP", "INFO"]


@pytest.mark.parametrize(("changes", "field", "error"), [
    ({"opt_out_keywords": []}, "opt_out_keywords", "Keep at least one opt-out keyword: carriers require STOP to work."),
    ({"help_keywords": ["SUPERCALIFRAGILISTIC"]}, "help_keywords", "“SUPERCALIFRAGILISTIC” is longer than 12 "
                                                                   "characters."),
    ({"help_keywords": ["SUPERCALIFRAGILISTICEXPIALIDOCIOUS"]}, "help_keywords",
     "“SUPERCALIFRAGILISTIC…” is longer than 12 characters."),
    ({"help_keywords": ["HELP-ME"]}, "help_keywords", "“HELP-ME” may hold only letters, digits and single spaces."),
    ({"opt_in_keywords": [f"W{n}" for n in range(51)]}, "opt_in_keywords", "At most 50 keywords per list."),
    ({"help_reply": "x" * 321}, "help_reply", "A reply may have at most 320 characters (this one has 321)."),
])
def test_the_api_and_the_screen_refuse_the_same_things_in_the_same_words(api_a, client_a, tenant_a, changes, field,
                                                                           error):
    answer = send(api_a, "patch", SETTINGS, changes)
    assert answer.status_code == 400
    assert answer.json()["fields"] == {field: [error]}
    value = changes[field]
    screen = client_a.post(PAGE, {**{name: "\n".join(v) if isinstance(v, list) else v for name, v in body().items()},
                                  field: "\n".join(value) if isinstance(value, list) else value})
    assert screen.status_code == 200 and screen.context["form"].errors[field] == [error]
    assert saved(tenant_a, "opt_out_keywords") == DEFAULT_OPT_OUT and saved(tenant_a, "help_reply") == ""


ODD = ["\x00", "STOP\x00", "\ud800", "x" * 5000, 10**30, 1e300, True, None, {"a": 1}]


def short(value) -> str:
    return repr(value)[:20]


@pytest.mark.parametrize("value", ODD, ids=short)
@pytest.mark.parametrize("field", ["opt_out_keywords", "help_reply"])
def test_odd_values_answer_400_with_the_one_error_body(api_a, tenant_a, field, value):
    for sent in (value, [value]):
        answer = send(api_a, "patch", SETTINGS, {field: sent})
        assert answer.status_code == 400, (sent, answer.content[:300])
        assert set(answer.json()) == {"detail", "code", "fields"}
    assert saved(tenant_a, "opt_out_keywords") == DEFAULT_OPT_OUT and saved(tenant_a, "help_reply") == ""


def test_an_emoji_reply_is_kept_as_text(api_a, tenant_a):
    assert send(api_a, "patch", SETTINGS, {"help_reply": "Help 😀"}).status_code == 200
    assert saved(tenant_a, "help_reply") == "Help 😀"


def test_a_number_gets_its_own_replies_in_any_format_and_lists_them(api_a, tenant_a):
    answer = send(api_a, "put", f"{NUMBERS}(919) 555-0101/", {"help_reply": "Raleigh: 555.", "opt_out_reply": ""})
    assert answer.status_code == 200, answer.json()
    expected = {"number": OTHER_DID, "opt_out_reply": "", "opt_in_reply": None, "help_reply": "Raleigh: 555."}
    assert answer.json() == expected
    assert api_a.get(f"{NUMBERS}{OTHER_DID}/").json() == expected
    listed = api_a.get(NUMBERS).json()
    assert (listed["count"], listed["results"]) == (1, [expected])
    assert api_a.get(NUMBERS, {"number": "9195550101"}).json()["count"] == 1
    assert api_a.get(NUMBERS, {"number": DID}).json()["count"] == 0
    assert in_acme(tenant_a, lambda: AuditEntry.objects.filter(action="create").count()) == 1


def test_a_number_without_its_own_replies_reads_as_the_tenants(api_a):
    assert api_a.get(f"{NUMBERS}{DID}/").json() == {"number": DID, "opt_out_reply": None, "opt_in_reply": None,
                                                    "help_reply": None}


def test_delete_and_an_all_null_put_give_the_tenants_replies_back(api_a, tenant_a):
    send(api_a, "put", f"{NUMBERS}{DID}/", {"help_reply": "x"})
    assert api_a.delete(f"{NUMBERS}{DID}/").status_code == 204
    assert not in_acme(tenant_a, NumberKeywordReply.objects.exists)
    assert api_a.delete(f"{NUMBERS}{DID}/").status_code == 204  # already the tenant's: nothing to do
    send(api_a, "put", f"{NUMBERS}{DID}/", {"help_reply": "x"})
    answer = send(api_a, "put", f"{NUMBERS}{DID}/", {"help_reply": None})
    assert answer.status_code == 200 and answer.json()["help_reply"] is None
    assert not in_acme(tenant_a, NumberKeywordReply.objects.exists)


@pytest.mark.parametrize("number", ["+15555550123", "abc", "%00", "%ED%A0%80", "9" * 40, "+1919555%000101"])
def test_a_number_that_is_not_the_tenants_answers_404(api_a, tenant_a, number):
    for answer in (api_a.get(f"{NUMBERS}{number}/"), send(api_a, "put", f"{NUMBERS}{number}/", {"help_reply": "x"}),
                   api_a.delete(f"{NUMBERS}{number}/")):
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert not in_acme(tenant_a, NumberKeywordReply.objects.exists)


@pytest.mark.parametrize("value", ["\x00", "\ud800", "x" * 321, 10**30, ["x"], {"a": 1}], ids=short)
def test_odd_number_replies_answer_400(api_a, tenant_a, value):
    answer = send(api_a, "put", f"{NUMBERS}{DID}/", {"opt_in_reply": value})
    assert answer.status_code == 400 and set(answer.json()) == {"detail", "code", "fields"}
    assert not in_acme(tenant_a, NumberKeywordReply.objects.exists)


@pytest.mark.parametrize("value", ["\x00", "%ED%A0%80", "9" * 40, "x" * 100, "¹"], ids=short)
def test_odd_number_filters_answer_400(api_a, value):
    answer = api_a.get(f"{NUMBERS}?number={value}")
    assert answer.status_code == 400 and "number" in answer.json()["fields"]


def test_admin_of_other_tenant_gets_404_and_nothing_changes(api_b, tenant_a):
    assert api_b.get(SETTINGS).status_code == 404
    assert send(api_b, "put", SETTINGS, body(opt_out_keywords=["NOPE"])).status_code == 404
    assert send(api_b, "patch", SETTINGS, {"help_reply": "x"}).status_code == 404
    assert api_b.get(NUMBERS).status_code == 404
    assert api_b.get(f"{NUMBERS}{DID}/").status_code == 404
    assert send(api_b, "put", f"{NUMBERS}{DID}/", {"help_reply": "x"}).status_code == 404
    assert api_b.delete(f"{NUMBERS}{DID}/").status_code == 404
    assert not in_acme(tenant_a, NumberKeywordReply.objects.exists)
    assert not in_acme(tenant_a, ComplianceSettings.objects.filter(opt_out_keywords=["NOPE"]).exists)


def test_extension_user_gets_404(ext_api, tenant_a):
    assert ext_api.get(SETTINGS).status_code == 404
    assert send(ext_api, "patch", SETTINGS, {"help_reply": "x"}).status_code == 404
    assert ext_api.get(NUMBERS).status_code == 404
    assert send(ext_api, "put", f"{NUMBERS}{DID}/", {"help_reply": "x"}).status_code == 404
    assert not in_acme(tenant_a, NumberKeywordReply.objects.exists)


def test_system_admin_edits_it(sysadmin, tenant_a):
    client = APIClient()
    client.force_authenticate(sysadmin)
    assert send(client, "patch", SETTINGS, {"opt_in_reply": "Welcome back."}).status_code == 200
    assert saved(tenant_a, "opt_in_reply") == "Welcome back."
