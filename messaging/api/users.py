"""API: /t/<slug>/api/v1/users/ — the tenant's administrators and extension users (admins only: extension
users are refused every endpoint that does not open itself to them, see portal.api.permissions)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from messaging.services.configuration import users as service
from tenants.models import Membership


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    extensions = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="The numbers of the extensions an extension user serves.")


class UserInputSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, help_text="A new username, or an existing user's (linked as it is). Not changeable."
    )
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, trim_whitespace=False, max_length=128,
        help_text="Required for a new user; checked by the password rules. Omitted on update: unchanged.",
    )
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    extensions = serializers.ListField(
        child=serializers.CharField(max_length=16), required=False, max_length=500,
        help_text="Extension numbers the user serves (extension users only; an administrator sees all).",
    )


class UserUpdateSerializer(UserInputSerializer):
    username = None


class UserViewSet(viewsets.GenericViewSet):
    """The tenant's users: administrators and extension users with the extensions they serve.

    The last administrator cannot be demoted or removed (409, code `last_admin`). Removing a user who
    belongs to no other tenant deactivates it; users are never deleted.
    """

    serializer_class = UserSerializer
    queryset = get_user_model().objects.none()  # for the schema (an {id} is a user's); reads use the service

    def _member(self, pk) -> service.TenantUser:
        try:
            member = service.get_user(user_id=int(pk))
        except (TypeError, ValueError):
            member = None
        if member is None:
            raise NotFound()
        return member

    def list(self, request):
        page = self.paginate_queryset(service.list_users())
        return self.get_paginated_response(UserSerializer(page, many=True).data)

    @extend_schema(responses={200: UserSerializer})
    def retrieve(self, request, pk=None):
        return Response(UserSerializer(self._member(pk)).data)

    @extend_schema(request=UserInputSerializer, responses={201: UserSerializer})
    def create(self, request):
        incoming = UserInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        member = service.create_user(user=request.user, **incoming.validated_data)
        return Response(UserSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses={200: UserSerializer})
    def partial_update(self, request, pk=None):
        member = self._member(pk)
        incoming = UserUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        updated = service.update_user(user=request.user, member_id=member.id, **incoming.validated_data)
        return Response(UserSerializer(updated).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        member = self._member(pk)
        service.delete_user(user=request.user, member_id=member.id)
        return Response(status=status.HTTP_204_NO_CONTENT)
