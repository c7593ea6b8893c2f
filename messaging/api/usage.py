"""API: GET /t/<slug>/api/v1/usage/?month=YYYY-MM — the tenant's usage for billing, a row per number and
extension(s), and the totals. The Usage screen's figures (messaging/selectors/usage.py says what is counted).

The public API's one-row-per-tenant report (tenants/usage_api.py) shares the serializers here.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.exceptions import UsageMonthInvalid
from messaging.selectors import usage as usage_selectors
from messaging.selectors.usage import COUNT_LABELS, COUNT_NAMES, Month
from portal.api.schema import ERROR_REF

BAD_MONTH = OpenApiResponse(ERROR_REF, description="`month` is not a month (`fields.month` says why).")


class UsageQuerySerializer(serializers.Serializer):
    month = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                  help_text="YYYY-MM, e.g. 2026-11; missing: the current month.")

    def __init__(self, *args, zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def validate_month(self, value: str) -> Month:
        try:
            return Month.parse(value, zone=self.zone)
        except UsageMonthInvalid as exc:
            raise serializers.ValidationError(exc.message) from None

    def chosen_month(self) -> Month:
        return self.validated_data.get("month") or Month.parse(None, zone=self.zone)


class CountsSerializer(serializers.Serializer):
    def get_fields(self):
        fields = super().get_fields()
        for name in COUNT_NAMES:
            fields[name] = serializers.IntegerField(read_only=True, help_text=COUNT_LABELS[name] + ".")
        return fields


class UsageRowSerializer(CountsSerializer):
    number = serializers.CharField(read_only=True, help_text="The sending number (outbound) or our receiving "
                                   "number (inbound).")
    extension = serializers.CharField(read_only=True, help_text="Outbound: the sending extension; inbound: the "
                                      "extensions it was routed to, comma-separated; empty: none (unrouted).")


class UsageSerializer(serializers.Serializer):
    month = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True, help_text="The zone the month's edges are in.")
    start = serializers.DateTimeField(read_only=True, help_text="The month's first instant.")
    end = serializers.DateTimeField(read_only=True, help_text="The next month's first instant (excluded).")
    results = UsageRowSerializer(many=True, read_only=True)
    totals = CountsSerializer(read_only=True)


def month_fields(month: Month, zone) -> dict:
    return {"month": str(month), "time_zone": str(zone), "start": month.start(zone), "end": month.end(zone)}


class UsageView(APIView):
    """This tenant's messages of a month for billing: per number and extension(s), SMS and MMS apart,
    outbound per recipient Bandwidth accepted (failed: recipients not reached), inbound per receiving number."""

    @extend_schema(parameters=[UsageQuerySerializer], responses={200: UsageSerializer, 400: BAD_MONTH})
    def get(self, request):
        zone = usage_selectors.usage_time_zone(request.tenant)
        incoming = UsageQuerySerializer(data=request.query_params, zone=zone)
        incoming.is_valid(raise_exception=True)
        month = incoming.chosen_month()
        rows = usage_selectors.list_usage(month=month, zone=zone)
        return Response(UsageSerializer({
            **month_fields(month, zone), "results": rows, "totals": usage_selectors.total(rows),
        }).data)
