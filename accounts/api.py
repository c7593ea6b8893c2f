"""API: the caller's own API tokens (list, revoke one, revoke all). Public schema, any signed-in user."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.services import api_tokens


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = ApiToken
        fields = ["id", "label", "created", "expiry", "current"]

    def get_current(self, token: ApiToken) -> bool:
        used = self.context["request"].auth
        return isinstance(used, ApiToken) and used.pk == token.pk


class ApiTokenListView(APIView):
    """The caller's tokens that still work, newest first; DELETE revokes all of them (this one too)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request):
        tokens = api_tokens.list_api_tokens(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)

    @extend_schema(responses={204: None}, operation_id="auth_tokens_destroy_all")
    def delete(self, request):
        api_tokens.revoke_all_api_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenDetailView(APIView):
    """DELETE revokes one of the caller's tokens; another person's answers 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, uid):
        api_tokens.revoke_api_token(user=request.user, uid=uid)
        return Response(status=status.HTTP_204_NO_CONTENT)
