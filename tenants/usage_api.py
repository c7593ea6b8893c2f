"""API: GET /api/v1/usage/?month=YYYY-MM — every tenant's usage totals of a month, one row per tenant
(system administrators; anyone else signed in gets 404). Each tenant's rows: /t/<slug>/api/v1/usage/."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.api.usage import BAD_MONTH, CountsSerializer, UsageQuerySerializer, month_fields
from messaging.selectors import usage as usage_selectors
from tenants.access import is_system_admin
from tenants.models import Tenant


class IsSystemAdminElse404(BasePermission):
    """The report's existence is the system administrators' business: 401 signed out, 404 for anyone else."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not is_system_admin(request.user):
            raise NotFound()
        return True


class TenantUsageRowSerializer(CountsSerializer):
    tenant = serializers.CharField(source="tenant.slug", read_only=True)
    name = serializers.CharField(source="tenant.name", read_only=True)


class TenantUsageSerializer(serializers.Serializer):
    month = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True, help_text="The zone the month's edges are in.")
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True, help_text="The next month's first instant (excluded).")
    results = TenantUsageRowSerializer(many=True, read_only=True, help_text="Every tenant, disabled ones too.")
    totals = CountsSerializer(read_only=True)


class TenantUsageView(APIView):
    """Every tenant's usage totals of a month, one row per tenant, by name."""

    permission_classes = [IsSystemAdminElse404]

    @extend_schema(parameters=[UsageQuerySerializer], responses={200: TenantUsageSerializer, 400: BAD_MONTH},
                   operation_id="tenants_usage_retrieve")
    def get(self, request):
        zone = usage_selectors.usage_time_zone()
        incoming = UsageQuerySerializer(data=request.query_params, zone=zone)
        incoming.is_valid(raise_exception=True)
        month = incoming.chosen_month()
        tenants = Tenant.objects.customers().only("pk", "name", "slug", "schema_name").order_by("name", "pk")
        usages = usage_selectors.list_tenant_usage(month=month, tenants=tenants)
        return Response(TenantUsageSerializer({
            **month_fields(month, zone), "results": usages, "totals": usage_selectors.total(usages),
        }).data)
