"""The Usage screens: a tenant's rows and totals with a month picker and CSV, the system-wide screen with one
row per tenant; other tenants' administrators and extension users get 404, and no month typed in the URL
gets a 500."""

import csv
import io
import re

import pytest

from tests.messaging.factories import DID, OTHER_DID
from tests.messaging.usage.helpers import november

USAGE, USAGE_CSV = "/t/acme/usage/", "/t/acme/usage/csv/"
ALL_USAGE, ALL_USAGE_CSV = "/usage/", "/usage/csv/"


def cells(html: str, testid: str) -> list[list[str]]:
    rows = re.findall(rf'<tr data-testid="{testid}">(.*?)</tr>', html, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in rows]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_tenant_admin_sees_the_months_rows_and_totals(acme, client_a):
    november(acme)
    page = client_a.get(USAGE, {"month": "2026-11"}).content.decode()
    assert "Usage 2026-11" in page and 'value="2026-11"' in page
    assert cells(page, "usage-row")[0] == [DID, "101", "2", "5", "3", "1", "2", "1", "2", "1"]
    assert cells(page, "usage-row")[2][:2] == [OTHER_DID, "Unrouted / none"]
    assert cells(page, "usage-total") == [["Total", "3", "6", "3", "3", "6", "3", "2", "1"]]
    assert "?month=2026-10" in page and "?month=2026-12" in page


def test_the_csv_has_the_screens_rows(acme, client_a):
    november(acme)
    response = client_a.get(USAGE_CSV, {"month": "2026-11"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="usage-acme-2026-11.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["month", "number", "extension", "sms_sent", "sms_sent_segments", "mms_sent", "sms_received",
                       "sms_received_segments", "mms_received", "sms_failed", "mms_failed"]
    assert rows[1] == ["2026-11", DID, "101", "2", "5", "3", "1", "2", "1", "2", "1"]
    assert len(rows) == 6


def test_a_month_without_messages_says_so(acme, client_a):
    page = client_a.get(USAGE, {"month": "2020-02"}).content.decode()
    assert "No messages in 2020-02." in page and 'data-testid="usage-total"' not in page


@pytest.mark.parametrize("month", ["2026-13", "x" * 5000, "2026-11\x00", "２０２６-11"])
def test_a_wrong_month_is_shown_as_an_error_not_a_500(acme, client_a, month):
    response = client_a.get(USAGE, {"month": month})
    assert response.status_code == 200 and "is not a month: use YYYY-MM" in response.content.decode()
    assert client_a.get(USAGE_CSV, {"month": month}).status_code == 400


def test_system_admin_sees_a_tenants_usage_inside_manage(acme, sysadmin_client):
    november(acme)
    page = sysadmin_client.get(USAGE, {"month": "2026-11"}).content.decode()
    assert cells(page, "usage-total") == [["Total", "3", "6", "3", "3", "6", "3", "2", "1"]]


@pytest.mark.parametrize("path", [USAGE, USAGE_CSV])
def test_admin_of_other_tenant_gets_404(acme, client_b, path):
    assert client_b.get(path).status_code == 404


@pytest.mark.parametrize("path", [USAGE, USAGE_CSV])
def test_extension_user_gets_404(acme, ext_client, path):
    assert ext_client.get(path).status_code == 404


def test_the_system_wide_screen_has_a_row_per_tenant_linking_to_its_usage(acme, sysadmin_client):
    november(acme)
    page = sysadmin_client.get(ALL_USAGE, {"month": "2026-11"}).content.decode()
    rows = cells(page, "usage-row")
    assert [row[0].split()[0] for row in rows] == ["Acme", "Globex"]
    assert rows[0][1:] == ["3", "6", "3", "3", "6", "3", "2", "1"]
    assert rows[1][1:] == ["0"] * 8
    assert 'href="/t/acme/usage/?month=2026-11"' in page


def test_the_system_wide_csv_has_a_row_per_tenant(acme, sysadmin_client):
    november(acme)
    rows = read_csv(sysadmin_client.get(ALL_USAGE_CSV, {"month": "2026-11"}))
    assert rows[0][:3] == ["month", "tenant", "name"]
    assert rows[1] == ["2026-11", "acme", "Acme Corp", "3", "6", "3", "3", "6", "3", "2", "1"]
    assert rows[2][:3] == ["2026-11", "globex", "Globex"]
    assert sysadmin_client.get(ALL_USAGE_CSV, {"month": "2026-13"}).status_code == 400


@pytest.mark.parametrize("path", [ALL_USAGE, ALL_USAGE_CSV])
def test_the_system_wide_usage_is_404_to_tenant_admins_and_extension_users(acme, client_a, ext_client, path):
    assert client_a.get(path).status_code == 404
    assert ext_client.get(path).status_code == 404


def test_tenant_navigation_links_to_usage(acme, client_a):
    page = client_a.get("/t/acme/messages/").content.decode()
    assert 'href="/t/acme/usage/"' in page and 'href="/usage/"' not in page


def test_system_navigation_links_to_usage(acme, sysadmin_client):
    assert 'href="/usage/"' in sysadmin_client.get("/tenants/").content.decode()
