"""Odd values in the inputs issue 14 added: the opt-out list (API, screen, CSV import), the compliance keywords
and replies, the send mode, and an SMS configuration's sender ID, priority and expiration. Each answers 4xx
(the API with the one error body) or a form error, never a 5xx: a NUL, a lone surrogate as a client sends it,
a superscript digit, a huge number."""

import json
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"
API = "/t/acme/api/v1"
ODD = ["\x00", "+1919555\x000199", "\ud800", "¹", "-1", "9" * 40, "x" * 5000, " ", "STOP\x00", "😀"]


def raw(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def assert_no_5xx(answer) -> None:
    assert answer.status_code < 500, answer.content[:300]
    if answer.status_code == 400 and answer.get("Content-Type", "").startswith("application/json"):
        assert set(answer.json()) == {"detail", "code", "fields"}, answer.json()


def post_json(client, path, body):
    # json.dumps escapes a lone surrogate as \ud800, as a client's JSON would carry it.
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["number", "remote_number"])
def test_opt_out_add(second_did, api_a, client_a, field, value):
    body = {"number": "+19195550100", "remote_number": "+19195550199", field: value}
    assert_no_5xx(post_json(api_a, f"{API}/opt-outs/", body))
    form = "&".join(f"{name}={raw(text)}" for name, text in body.items())
    assert_no_5xx(client_a.post("/t/acme/opt-outs/add/", form, content_type=FORM))


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("name", ["q", "source", "limit", "offset"])
def test_opt_out_list_filters(second_did, api_a, client_a, name, value):
    assert_no_5xx(api_a.get(f"{API}/opt-outs/?{name}={raw(value)}"))
    assert_no_5xx(client_a.get(f"/t/acme/opt-outs/?{name}={raw(value)}"))


@pytest.mark.parametrize("content", [b"\x00\x00", b"number,remote_number\n\xed\xa0\x80,+19195550199\n",
                                     b"\xff\xfe\x00n", b"number,remote_number\n" + b"9" * 5000 + b",x\n",
                                     b"number\n+19195550100\n", b'"unterminated', b""])
def test_opt_out_import(second_did, api_a, client_a, content):
    upload = SimpleUploadedFile("opt-outs.csv", content, content_type="text/csv")
    assert_no_5xx(api_a.post(f"{API}/opt-outs/import/", {"file": upload}, format="multipart"))
    upload.seek(0)
    assert_no_5xx(client_a.post("/t/acme/opt-outs/import/", {"file": upload}))


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["opt_out_keywords", "opt_in_keywords", "help_keywords", "opt_out_reply"])
def test_compliance_form(second_did, client_a, field, value):
    assert client_a.post("/t/acme/compliance/", f"{field}={raw(value)}", content_type=FORM).status_code < 500


@pytest.mark.parametrize("value", ODD)
def test_send_mode(acme, api_a, value):
    body = {"to": ["+19195550199", "+19195550198"], "text": "hi", "mode": value}
    assert_no_5xx(post_json(api_a, f"{API}/messages/", body))


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["sender_id", "priority", "expiration_minutes"])
def test_sms_configuration_fields(acme_config, api_a, field, value):
    answer = api_a.patch(f"{API}/sms-configurations/{acme_config.pk}/", json.dumps({field: value}),
                         content_type="application/json")
    assert_no_5xx(answer)
