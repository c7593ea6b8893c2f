"""API: tenants (system administrators) and `me` inside a tenant."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.permissions import IsSystemAdmin
from portal.urls_helpers import absolute_url
from tenants import services
from tenants.access import role_in_tenant
from tenants.filters import TenantFilter
from tenants.models import Tenant


class TenantSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    enabled = serializers.BooleanField(source="is_active", required=False)

    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "enabled", "url", "created_at"]
        read_only_fields = ["id", "url", "created_at"]

    def get_url(self, tenant: Tenant) -> str:
        return absolute_url(tenant.url)


class TenantCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.CharField(max_length=48)
    admin_username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    # No default="": the schema would state "" as an email's default, which OpenAPI validators refuse (an
    # email format); create_tenant's own default is "".
    admin_email = serializers.EmailField(required=False, allow_blank=True)
    admin_password = serializers.CharField(
        required=False, allow_blank=True, default="", write_only=True, trim_whitespace=False
    )


class TenantViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Tenants, for system administrators. Create also makes the schema and, optionally, the first admin."""

    permission_classes = [IsSystemAdmin]
    serializer_class = TenantSerializer
    lookup_field = "slug"

    filterset_class = TenantFilter

    def get_queryset(self):
        return Tenant.objects.customers().order_by("name")

    @extend_schema(request=TenantCreateSerializer, responses={201: TenantSerializer})
    def create(self, request):
        incoming = TenantCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        tenant = services.create_tenant(**incoming.validated_data)
        return Response(TenantSerializer(tenant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TenantSerializer, responses={200: TenantSerializer})
    def partial_update(self, request, slug=None):
        tenant = self.get_object()
        incoming = TenantSerializer(tenant, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        if "is_active" in incoming.validated_data:
            services.set_tenant_enabled(tenant=tenant, enabled=incoming.validated_data["is_active"])
        if "name" in incoming.validated_data:
            tenant.name = incoming.validated_data["name"]
            tenant.save(update_fields=["name"])
        return Response(TenantSerializer(tenant).data)


class MeView(APIView):
    """Who is calling, and as what, inside this tenant."""

    extension_users_allowed = True

    @extend_schema(
        responses={
            200: inline_serializer(
                "Me",
                {
                    "username": serializers.CharField(),
                    "email": serializers.CharField(),
                    "role": serializers.CharField(),
                    "tenant": inline_serializer(
                        "MeTenant", {"name": serializers.CharField(), "slug": serializers.CharField()}
                    ),
                },
            )
        }
    )
    def get(self, request):
        tenant = request.tenant
        return Response(
            {
                "username": request.user.get_username(),
                "email": request.user.email,
                "role": role_in_tenant(request.user, tenant),
                "tenant": {"name": tenant.name, "slug": tenant.slug},
            }
        )
