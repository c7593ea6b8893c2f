"""API: sms-configurations/ — passwords write-only, the webhook URL read-only."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from messaging.models import SmsConfiguration, Trunk
from messaging.selectors import configuration as configuration_selectors
from messaging.services.configuration import sms_configurations as service


class SmsConfigurationSerializer(serializers.ModelSerializer):
    trunk = serializers.PrimaryKeyRelatedField(queryset=Trunk.objects.all())
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False,
        help_text="Client Secret (OAuth) or password (legacy). Write-only; omit to keep the stored one.",
    )
    callback_password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False,
        help_text="Write-only; omit to keep the stored one.",
    )
    webhook_url = serializers.SerializerMethodField()
    last_callback_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    last_callback_type = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = SmsConfiguration
        fields = [
            "id", "name", "trunk", "sender_id", "account_id", "application_id", "auth_type", "username",
            "password", "callback_username", "callback_password", "enabled", "priority", "expiration_minutes",
            "webhook_url",
            "last_callback_at", "last_callback_type", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "webhook_url", "last_callback_at", "last_callback_type", "created_at", "updated_at"]
        # The service checks names and formats with the same words as the screen.
        extra_kwargs = {
            "name": {"validators": []},
            "sender_id": {"help_text": (
                "E.164 number, 5–6 digit short code, or an alphanumeric sender ID (up to 11 characters, at least "
                "one letter; not for US or Canadian recipients). Empty: the trunk's DID."
            )},
            "priority": {"help_text": "Bandwidth's priority for every message: default or high; empty: not sent."},
            "expiration_minutes": {
                "min_value": 0, "max_value": SmsConfiguration.EXPIRATION_MINUTES_MAX,
                "help_text": "Bandwidth drops a message not delivered this many minutes after it was queued; 0: none.",
            },
        }

    def get_webhook_url(self, configuration) -> str:
        return self.context.get("webhook_urls", {}).get(configuration.pk) or service.webhook_url(configuration)


class SmsConfigurationViewSet(viewsets.ModelViewSet):
    serializer_class = SmsConfigurationSerializer

    def get_queryset(self):
        configurations = SmsConfiguration.objects.select_related("trunk")
        return configuration_selectors.with_last_callback(configurations).order_by("name")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "webhook_urls": service.webhook_urls()}

    def perform_create(self, serializer):
        serializer.instance = service.create_configuration(
            user=self.request.user, **{"password": ""} | serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = service.update_configuration(
            user=self.request.user, configuration=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        service.delete_configuration(user=self.request.user, configuration=instance)

    @extend_schema(request=None, responses={200: SmsConfigurationSerializer})
    @action(detail=True, methods=["post"], url_path="regenerate-webhook")
    def regenerate_webhook(self, request, pk=None):
        configuration = self.get_object()
        service.rotate_webhook_token(user=request.user, configuration=configuration)
        return Response(self.get_serializer(configuration, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("ConnectionCheck", {"ok": serializers.BooleanField(),
                                                              "detail": serializers.CharField()})},
    )
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request, pk=None):
        result = service.check_connection(configuration=self.get_object())
        return Response({"ok": result.ok, "detail": result.message}, status=status.HTTP_200_OK)
