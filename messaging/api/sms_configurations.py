"""API: sms-configurations/ — passwords write-only, the webhook URL read-only."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from messaging.models import ConnectionTest, SmsConfiguration, Trunk
from messaging.selectors import configuration as configuration_selectors
from messaging.services.configuration import bandwidth_connect, test_messages
from messaging.services.configuration import sms_configurations as service
from messaging.services.outbound.compose import MAX_TEXT_LENGTH


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


class TestMessageRequestSerializer(serializers.Serializer):
    from_number = serializers.CharField(max_length=16, help_text="A DID of the configuration's trunk (E.164).")
    to = serializers.CharField(max_length=32, help_text="One of the tenant's numbers (the test then also waits for "
                                                        "the inbound message) or any number, E.164.")
    text = serializers.CharField(max_length=MAX_TEXT_LENGTH, required=False, allow_blank=True, trim_whitespace=False,
                                 help_text="Empty: “Test message from PBX portal (<tenant>)”.")


class TestStepSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["accepted", "sending", "delivered", "inbound"])
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=["done", "failed", "waiting", "skipped"])
    at = serializers.DateTimeField(allow_null=True)
    detail = serializers.CharField()
    advice = serializers.CharField(help_text="What to check, once the step has waited over 60 s.")


class TestMessageReportSerializer(serializers.Serializer):
    """For the schema only: the answer is the service's report (test_messages.ConnectionTestReport.as_dict)."""

    id = serializers.IntegerField()
    configuration = serializers.IntegerField()
    message = serializers.IntegerField()
    from_number = serializers.CharField()
    to = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    inbound_message = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(choices=["running", "passed", "failed", "no_answer"])
    summary = serializers.CharField()
    steps = TestStepSerializer(many=True)


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

    @extend_schema(request=TestMessageRequestSerializer, responses={201: TestMessageReportSerializer})
    @action(detail=True, methods=["post"], url_path="test-message")
    def test_message(self, request, pk=None):
        configuration = self.get_object()
        incoming = TestMessageRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        test = test_messages.start_test_message(configuration=configuration, user=request.user,
                                                **incoming.validated_data)
        return Response(test_messages.report_test_message(test=test).as_dict(), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TestMessageReportSerializer})
    @action(detail=True, methods=["get"], url_path=r"test-message/(?P<test_id>[0-9]{1,18})")
    def test_message_report(self, request, pk=None, test_id=None):
        configuration = self.get_object()
        try:
            test = test_messages.get_test(configuration=configuration, test_id=int(test_id))
        except ConnectionTest.DoesNotExist:
            raise NotFound("No such test.") from None
        return Response(test_messages.report_test_message(test=test).as_dict())
