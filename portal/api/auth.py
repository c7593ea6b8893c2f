from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import api_tokens, sign_in
from portal.api.throttling import TokenAddressThrottle, TokenUsernameThrottle
from portal.exceptions import PortalError


class TokenRequestSerializer(serializers.Serializer):
    # The user model's own limit: a longer name matches nobody, and django-axes would fail to record it.
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, max_length=4096)
    label = serializers.CharField(max_length=api_tokens.LABEL_MAX_LENGTH, required=False, allow_blank=True,
                                  help_text="A name for the token in the list of tokens (default: "
                                            f'"{api_tokens.LABEL_FROM_API}").')
    otp_token = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                      help_text="The 6-digit code of the user's authenticator app, for a user who "
                                                "signs in with two-factor.")


class ObtainTokenView(APIView):
    """Exchange a username and password (and, for a user with two-factor sign-in, the authenticator app's
    code as `otp_token`) for a new API token (`Authorization: Token <token>`).

    The token is shown in this answer only (the portal keeps a digest of it) and expires at `expiry`;
    list and revoke tokens at /api/v1/auth/tokens/ or on the account's API tokens page."""

    permission_classes = [AllowAny]
    authentication_classes = []
    # Every attempt counts, per address and per username (django-axes counts the failures on top).
    throttle_classes = [TokenAddressThrottle, TokenUsernameThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {
            "token": serializers.CharField(),
            "expiry": serializers.DateTimeField(),
            "id": serializers.UUIDField(),
            "label": serializers.CharField(),
        })},
    )
    def post(self, request):
        incoming = TokenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        credentials = {key: incoming.validated_data[key] for key in ("username", "password")}
        # The plain HttpRequest, so django-axes counts the failure and can lock out.
        user = authenticate(request._request, **credentials)
        if user is None:
            raise PortalError("Wrong username or password.", code="wrong_credentials")
        sign_in.check_second_factor_for_token(request=request._request, user=user,
                                              code=incoming.validated_data.get("otp_token", ""))
        token, key = api_tokens.create_api_token(
            user=user, label=incoming.validated_data.get("label") or api_tokens.LABEL_FROM_API)
        return Response({"token": key, "expiry": token.expiry, "id": token.uid, "label": token.label})
