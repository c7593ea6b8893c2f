"""The query parameters of the public API's tenant list (see portal/api/filters.py)."""

from django.db.models import Q
from django_filters import rest_framework as filters

from portal.api.filters import text_filter
from tenants.models import Tenant


class TenantFilter(filters.FilterSet):
    q = text_filter(100, "Part of the name or the slug (any case).", method="search")

    class Meta:
        model = Tenant
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))
