"""The Compliance screen: the keyword lists and replies, one number's own replies, validation, and who may
reach it (other tenants' administrators and extension users get 404)."""

import re
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from messaging.models import AuditEntry, ComplianceSettings, NumberKeywordReply
from messaging.models.compliance import DEFAULT_OPT_OUT
from tenants.models import Membership
from tests.conftest import PASSWORD
from tests.messaging.factories import DID, OTHER_DID

PAGE, NUMBER_PAGE = "/t/acme/compliance/", "/t/acme/compliance/numbers/"


def form(**changes) -> dict:
    data = {"opt_out_keywords": "STOP\nQUIT", "opt_in_keywords": "START", "help_keywords": "HELP",
            "opt_out_reply": "", "opt_in_reply": "", "help_reply": ""}
    return data | changes


@pytest.fixture
def ext_client(tenant_a) -> Client:
    user = get_user_model().objects.create_user(username="ext_compliance", password=PASSWORD)
    Membership.objects.create(user=user, tenant=tenant_a, role=Membership.Role.EXTENSION)
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_ctia_fcc_defaults(acme, client_a):
    page = client_a.get(PAGE).content.decode()
    for word in DEFAULT_OPT_OUT:
        assert word in page
    assert "UNSTOP" in page and "INFO" in page


def test_saving_normalises_the_words_and_keeps_the_replies(acme, client_a):
    response = client_a.post(PAGE, form(opt_out_keywords="stop, Opt  Out\narret\n", help_reply="Acme: call 555."))
    assert response.status_code == 302
    saved = ComplianceSettings.objects.get()
    assert saved.opt_out_keywords == ["STOP", "OPT OUT", "ARRET"] and saved.help_reply == "Acme: call 555."
    assert AuditEntry.objects.filter(action="update").exists()


def test_the_reply_length_is_shown_in_segments(acme, client_a):
    client_a.post(PAGE, form(opt_out_reply="x" * 161))
    page = client_a.get(PAGE).content.decode()
    assert "161 characters · 2 segments (GSM-7)" in page


@pytest.mark.parametrize(("changes", "error"), [
    ({"opt_in_keywords": "START\nstop"}, "“STOP” is already in another list"),
    ({"opt_out_keywords": ""}, "Keep at least one opt-out keyword"),
    ({"help_keywords": "SUPERCALIFRAGILISTIC"}, "longer than 12 characters"),
    ({"help_keywords": "HELP-ME"}, "only letters, digits and single spaces"),
    ({"help_reply": "x" * 321}, "at most 320 characters"),
])
def test_a_wrong_list_or_reply_is_refused_and_nothing_is_saved(acme, client_a, changes, error):
    response = client_a.post(PAGE, form(**changes))
    assert response.status_code == 200 and error in response.content.decode()
    assert ComplianceSettings.objects.get().opt_out_keywords == DEFAULT_OPT_OUT


def test_a_number_gets_its_own_replies_and_can_give_them_back(acme, client_a):
    response = client_a.post(NUMBER_PAGE, {"number": OTHER_DID, "help_reply": "Raleigh: 555.", "opt_out_off": "on"})
    assert response.status_code == 302
    row = NumberKeywordReply.objects.get()
    assert (row.number, row.help_reply, row.opt_out_reply, row.opt_in_reply) == (OTHER_DID, "Raleigh: 555.", "", None)
    page = client_a.get(PAGE).content.decode()
    assert "Raleigh: 555." in page and "no reply" in page
    client_a.post(NUMBER_PAGE, {"number": OTHER_DID})
    assert not NumberKeywordReply.objects.exists()


def test_a_number_not_of_the_tenant_is_refused(acme, client_a):
    response = client_a.post(NUMBER_PAGE, {"number": "+15555550123", "help_reply": "x"})
    assert response.status_code == 200 and not NumberKeywordReply.objects.exists()
    assert DID in response.content.decode()  # the page is shown again with the tenant's numbers


def test_system_admin_edits_it_inside_manage(acme, sysadmin_client):
    assert sysadmin_client.post(PAGE, form(opt_in_reply="Welcome back.")).status_code == 302
    assert ComplianceSettings.objects.get().opt_in_reply == "Welcome back."


@pytest.mark.parametrize("path", [PAGE, NUMBER_PAGE])
def test_admin_of_other_tenant_gets_404(acme, client_b, path):
    assert client_b.get(path).status_code == 404
    assert client_b.post(path, form(opt_out_keywords="NOPE")).status_code == 404


@pytest.mark.parametrize("path", [PAGE, NUMBER_PAGE])
def test_extension_user_gets_404(acme, ext_client, path):
    assert ext_client.get(path).status_code == 404
    assert ext_client.post(path, form(opt_out_keywords="NOPE")).status_code == 404
    assert not ComplianceSettings.objects.filter(opt_out_keywords=["NOPE"]).exists()


def test_tenant_navigation_links_to_compliance(acme, client_a, ext_client):
    assert 'href="/t/acme/compliance/"' in client_a.get("/t/acme/messages/").content.decode()
    assert 'href="/t/acme/compliance/"' not in ext_client.get("/t/acme/inbox/").content.decode()


def test_each_reply_box_has_its_live_counter_from_the_static_script(acme, client_a):
    page = client_a.get(PAGE).content.decode()
    assert '<script src="/static/js/segments.js"></script>' in page and "<script>" not in page
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the two forms share field names, not element ids
    boxes = re.findall(r'<textarea[^>]*data-segment-counter="reply"[^>]*id="([^"]+)"', page)
    assert boxes == ["id_opt_out_reply", "id_opt_in_reply", "id_help_reply",
                     "number_opt_out_reply", "number_opt_in_reply", "number_help_reply"]
    for box in boxes:
        assert f'data-segments-for="{box}">0 characters · 0 segments (GSM-7)<' in page


def test_a_refused_number_form_shows_its_sizes_and_keeps_the_typed_text(acme, client_a):
    assert client_a.post(NUMBER_PAGE, {"number": OTHER_DID, "help_reply": "😀" * 320}).status_code == 302
    response = client_a.post(NUMBER_PAGE, {"number": OTHER_DID, "help_reply": "x" * 321})
    page = response.content.decode()
    assert response.status_code == 200 and "A reply may have at most 320 characters (this one has 321)." in page
    assert 'data-segments-for="number_help_reply">321 characters · 3 segments (GSM-7)<' in page


@pytest.mark.parametrize("value", ["\x00", "\ud800", "x" * 5000, "9" * 40, "😀"])
@pytest.mark.parametrize("field", ["number", "opt_out_reply", "help_reply"])
def test_odd_values_in_the_number_form_are_field_errors_or_text(acme, client_a, field, value):
    data = {"number": OTHER_DID, field: value}
    body = "&".join(f"{name}={quote(text.encode('utf-8', 'surrogatepass'), safe='')}" for name, text in data.items())
    response = client_a.post(NUMBER_PAGE, body, content_type="application/x-www-form-urlencoded")
    refused = field == "number" or value in ("\x00", "x" * 5000)
    assert response.status_code == (200 if refused else 302)
    assert NumberKeywordReply.objects.exists() is not refused  # a lone surrogate arrives as U+FFFD: a text
