"""Usage figures against known messages: SMS and MMS apart, in and out, failures, segments, per recipient of a
group message and per receiving number, month edges in the configured zone, and one row per tenant."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from messaging.exceptions import UsageMonthInvalid
from messaging.selectors import usage
from messaging.selectors.usage import Month
from tests.messaging.factories import DID, OTHER_DID
from tests.messaging.usage.helpers import UTC, inbound, november, outbound

NOVEMBER = Month(2026, 11)


def figures(row) -> dict:
    return {name: value for name, value in row.as_dict().items() if value}


def test_november_rows_per_number_and_extension(acme):
    november(acme)
    rows = usage.list_usage(month=NOVEMBER, zone=UTC)
    assert [(row.number, row.extension, figures(row)) for row in rows] == [
        (DID, "101", {"sms_sent": 2, "sms_sent_segments": 5, "mms_sent": 3, "sms_received": 1,
                      "sms_received_segments": 2, "mms_received": 1, "sms_failed": 2, "mms_failed": 1}),
        (DID, "101, 104", {"mms_received": 1}),
        (OTHER_DID, "", {"sms_received": 2, "sms_received_segments": 4}),
        (OTHER_DID, "101, 104", {"mms_received": 1}),
        (OTHER_DID, "103", {"sms_sent": 1, "sms_sent_segments": 1}),
    ]
    assert figures(usage.total(rows)) == {
        "sms_sent": 3, "sms_sent_segments": 6, "mms_sent": 3, "sms_received": 3, "sms_received_segments": 6,
        "mms_received": 3, "sms_failed": 2, "mms_failed": 1,
    }


def test_months_are_cut_in_the_configured_zone(acme, settings):
    november(acme)
    settings.TIME_ZONE = "America/New_York"  # November there: 04:00 UTC on the 1st to 05:00 UTC on Dec 1st
    totals = usage.total(usage.list_usage(month=NOVEMBER, zone=usage.usage_time_zone()))
    assert (totals.sms_sent, totals.sms_sent_segments) == (2, 4)  # 00:00 UTC on Nov 1st was still October
    assert totals.sms_received == 4  # 00:00 UTC on Dec 1st is November 30th in New York


def test_a_tenant_in_its_own_zone_has_its_months_cut_there(acme, tenant_a, tenant_b):
    november(acme)
    tenant_a.time_zone = "America/New_York"  # the tenant's Settings; the portal's TIME_ZONE stays UTC
    assert usage.usage_time_zone(tenant_a).key == "America/New_York"
    assert usage.usage_time_zone(tenant_b).key == "UTC"
    totals = usage.total(usage.list_usage(month=NOVEMBER, zone=usage.usage_time_zone(tenant_a)))
    assert (totals.sms_sent, totals.sms_received) == (2, 4)
    [acme_usage, _globex] = usage.list_tenant_usage(month=NOVEMBER, tenants=[tenant_a, tenant_b])
    assert (acme_usage.sms_sent, acme_usage.sms_received) == (2, 4)


def test_a_month_without_messages_has_no_rows(acme):
    november(acme)
    assert usage.list_usage(month=Month(2026, 9), zone=UTC) == []


def test_an_inbound_message_on_a_number_no_longer_on_a_trunk_counts_under_its_first_recipient(acme):
    inbound(acme, when="2026-11-05 10:00", to=("+19195550142", "+19195550177"))
    [row] = usage.list_usage(month=NOVEMBER, zone=UTC)
    assert (row.number, row.extension, figures(row)) == ("+19195550142", "", {"mms_received": 1})


def test_each_tenant_has_one_row_of_its_own_totals(tenant_a, tenant_b, acme):
    november(acme)
    with tenant_context(tenant_b):
        from tests.messaging.factories import build_acme

        globex = build_acme(tenant_b)
        outbound(globex, when="2026-11-20 10:00", segments=7)
    [acme_usage, globex_usage] = usage.list_tenant_usage(month=NOVEMBER, tenants=[tenant_a, tenant_b])
    assert acme_usage.tenant == tenant_a and globex_usage.tenant == tenant_b
    assert (acme_usage.sms_sent, acme_usage.mms_received) == (3, 3)
    assert figures(globex_usage) == {"sms_sent": 1, "sms_sent_segments": 7}


def test_the_cross_tenant_report_batches_schemas_into_few_statements(tenant_a, tenant_b, acme, monkeypatch):
    november(acme)

    def statements(per_statement: int) -> tuple[int, list]:
        monkeypatch.setattr(usage, "SCHEMAS_PER_STATEMENT", per_statement)
        with CaptureQueriesContext(connection) as queries:
            answer = usage.list_tenant_usage(month=NOVEMBER, tenants=[tenant_a, tenant_b])
        return sum("month_messages" in q["sql"] for q in queries), [u.as_dict() for u in answer]

    one_each, together = statements(1), statements(50)
    assert (one_each[0], together[0]) == (2, 1)
    assert one_each[1] == together[1] and together[1][0]["sms_sent"] == 3


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-11", "2026-1", "november", "2026-11-01", "0000-01",
                                  "２０２６-11", "2026-11\x00"])
def test_a_month_that_is_not_yyyy_mm_is_refused(text):
    with pytest.raises(UsageMonthInvalid) as refused:
        Month.parse(text, zone=UTC)
    assert refused.value.field == "month"


def test_no_month_means_the_current_one_and_months_step_over_years():
    assert Month.parse("", zone=UTC) == Month.parse(None, zone=UTC)
    assert str(Month.parse(" 2026-01 ", zone=UTC).previous()) == "2025-12"
    assert str(Month(2026, 12).next()) == "2027-01"
