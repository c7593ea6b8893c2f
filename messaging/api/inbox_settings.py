"""API: /t/<slug>/api/v1/inbox-settings/ — the caller's own e-mail notification choice (every role)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.services.conversations import notifications


class InboxSettingsSerializer(serializers.Serializer):
    email_on_inbound = serializers.BooleanField(
        required=False,
        help_text="An e-mail for each new inbound message to your extensions while you have no Inbox or "
        "conversation open.",
    )
    email = serializers.CharField(read_only=True, help_text="Where the mails go (set by an administrator).")
    can_send = serializers.BooleanField(read_only=True, help_text="False without an e-mail address: "
                                        "nothing can be sent.")
    extensions = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="The extensions whose messages are mailed.")


class InboxSettingsView(APIView):
    """Your notification choice in this tenant; PATCH `email_on_inbound` to turn it on or off."""

    extension_users_allowed = True
    serializer_class = InboxSettingsSerializer

    @extend_schema(responses={200: InboxSettingsSerializer})
    def get(self, request):
        return Response(InboxSettingsSerializer(notifications.get_inbox_settings(user=request.user)).data)

    @extend_schema(request=InboxSettingsSerializer, responses={200: InboxSettingsSerializer})
    def patch(self, request):
        incoming = InboxSettingsSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        if "email_on_inbound" in incoming.validated_data:
            current = notifications.set_inbox_settings(
                user=request.user, email_on_inbound=incoming.validated_data["email_on_inbound"])
        else:
            current = notifications.get_inbox_settings(user=request.user)
        return Response(InboxSettingsSerializer(current).data)
