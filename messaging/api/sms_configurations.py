"""API: sms-configurations/ — passwords write-only, the webhook URL read-only."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from messaging.models import SmsConfiguration, Trunk
from messaging.selectors import configuration as configuration_selectors
from messaging.services.configuration import bandwidth_connect
from messaging.services.configuration import sms_configurations as service


class DriftItemSerializer(serializers.Serializer):
    what = serializers.CharField(help_text="What differs, in plain words (e.g. Inbound callback URL).")
    expected = serializers.CharField(help_text="What the portal expects.")
    found = serializers.CharField(help_text="What Bandwidth has.")


class LocationIdField(serializers.CharField):
    """An ID as a JSON string: a number (1e999 would read as "inf") or any other type is refused."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ConnectSerializer(serializers.Serializer):
    """Both empty: the location holding the trunk's numbers (409 location_needed when none or several do)."""

    site_id = LocationIdField(required=False, allow_blank=True, max_length=32,
                                    help_text="The Bandwidth site ID of the location to assign the application to.")
    sip_peer_id = LocationIdField(required=False, allow_blank=True, max_length=32,
                                        help_text="The SIP peer (location) ID; give it with site_id.")


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
    drift = DriftItemSerializer(many=True, read_only=True, help_text=(
        "What the last drift check found different at Bandwidth; empty: nothing (or never checked)."))

    class Meta:
        model = SmsConfiguration
        fields = [
            "id", "name", "trunk", "sender_id", "account_id", "application_id", "auth_type", "username",
            "password", "callback_username", "callback_password", "enabled", "priority", "expiration_minutes",
            "webhook_url", "bandwidth_site_id", "bandwidth_sip_peer_id", "connected_at", "drift", "drift_checked_at",
            "drift_error",
            "last_callback_at", "last_callback_type", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "webhook_url", "bandwidth_site_id", "bandwidth_sip_peer_id", "connected_at",
                            "drift", "drift_checked_at", "drift_error", "last_callback_at", "last_callback_type",
                            "created_at", "updated_at"]
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

    @extend_schema(
        request=ConnectSerializer, responses={200: SmsConfigurationSerializer},
        description=(
            "Connect to Bandwidth: create or update the configuration's messaging application (its webhook URL, NEW "
            "callback credentials, the status events) and assign it to a location. 409 `location_needed` when none "
            "or several locations hold the trunk's numbers (the detail lists them: pass site_id and sip_peer_id); "
            "502 `bandwidth_error` when Bandwidth refuses (a 403 names the missing role). Never returns secrets."
        ),
    )
    @action(detail=True, methods=["post"], url_path="connect")
    def connect(self, request, pk=None):
        configuration = self.get_object()
        incoming = ConnectSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        bandwidth_connect.connect(configuration, actor=request.user, **incoming.validated_data)
        return self._answer(request, configuration)

    @extend_schema(request=None, responses={200: SmsConfigurationSerializer}, description=(
        "The drift check now: the answer's drift, drift_checked_at and drift_error say what it found (Bandwidth's "
        "refusal is drift_error, not an error status)."))
    @action(detail=True, methods=["post"], url_path="check")
    def check(self, request, pk=None):
        configuration = self.get_object()
        bandwidth_connect.check_now(configuration)
        return self._answer(request, configuration)

    @extend_schema(request=None, responses={200: SmsConfigurationSerializer}, description=(
        "Repair: Connect again with the stored location (new callback credentials). 409 `not_allowed` when the "
        "configuration was never connected."))
    @action(detail=True, methods=["post"], url_path="repair")
    def repair(self, request, pk=None):
        configuration = self.get_object()
        bandwidth_connect.repair(configuration, actor=request.user)
        return self._answer(request, configuration)

    def _answer(self, request, configuration):
        fresh = self.get_queryset().get(pk=configuration.pk)
        return Response(self.get_serializer(fresh, context={"request": request}).data)
