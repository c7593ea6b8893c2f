"""Odd query strings on the screens' filters: the filter is ignored (the form shows why) or matches
nothing, never a 5xx (item 4 of issue 10)."""

import pytest

pytestmark = pytest.mark.django_db

ODD = ["\x00", "a\x00b", "¹", "9" * 30, "x" * 5000, "😀", "%", "[]"]


@pytest.mark.parametrize("name", ["direction", "status", "extension", "number", "unrouted", "after", "before"])
@pytest.mark.parametrize("value", ODD)
def test_messages_screen_filters(acme, client_a, name, value):
    assert client_a.get("/t/acme/messages/", {name: value}).status_code == 200


@pytest.mark.parametrize("value", [*ODD, "1,¹,2", "¹²³"])
def test_messages_status_polling(acme, client_a, value):
    answer = client_a.get("/t/acme/messages/status/", {"ids": value})
    assert answer.status_code == 200 and answer.json() == {"messages": []}


@pytest.mark.parametrize("value", ODD)
def test_audit_screen_filters(acme, client_a, value):
    assert client_a.get("/t/acme/audit/", {"type": value, "page": value}).status_code == 200


@pytest.mark.parametrize("value", ODD)
def test_tenants_screens(tenant_a, sysadmin_client, value):
    assert sysadmin_client.get("/tenants/", {"q": value, "page": value}).status_code == 200
    assert sysadmin_client.get("/audit/", {"tenant": value, "page": value}).status_code == 200
