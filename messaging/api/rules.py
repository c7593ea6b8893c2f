"""API: /t/<slug>/api/v1/inbound-rules/ and outbound-rules/ — the SMS rules page's data, written
through the same service. Extensions are named by number ("101")."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from messaging.exceptions import MessagingError
from messaging.models import InboundRule, OutboundRule, SmsConfiguration, Trunk
from messaging.services.configuration import rule_formats as formats
from messaging.services.configuration import rules as service
from messaging.services.configuration.extensions import normalise_extension_number
from portal.forms import checked

RULE_QUERYSETS = {
    InboundRule: InboundRule.objects.select_related("trunk").prefetch_related("extensions"),
    OutboundRule: OutboundRule.objects.select_related("sms_configuration").prefetch_related("extensions"),
}


@extend_schema_field({"type": "array", "items": {"type": "string", "example": "101"}})
class ExtensionNumbersField(serializers.Field):
    """A list of extension numbers, checked item by item; errors name the item like the trunk API does."""

    def to_internal_value(self, data) -> list[str]:
        if not isinstance(data, list):
            raise serializers.ValidationError("Expected a list of extension numbers, such as [\"101\", \"102\"].")
        numbers, errors = [], []
        for position, item in enumerate(data, start=1):
            try:
                numbers.append(normalise_extension_number(str(item) if isinstance(item, int) else item))
            except (MessagingError, AttributeError, TypeError):
                errors.append(f"Item {position}: “{item}” is not an extension number (2 to 8 digits).")
        if errors:
            raise serializers.ValidationError(errors)
        return numbers

    def to_representation(self, value) -> list[str]:
        return [extension.number for extension in value.all()]


class InboundRuleSerializer(serializers.ModelSerializer):
    did = serializers.SerializerMethodField(help_text="One DID, or a range \"first-last\".")
    extensions = ExtensionNumbersField(read_only=True)

    class Meta:
        model = InboundRule
        fields = ["id", "name", "trunk", "did", "caller_mask", "extensions", "order", "enabled"]

    def get_did(self, rule: InboundRule) -> str:
        return formats.format_did(rule.did_start, rule.did_end)


class OutboundRuleSerializer(serializers.ModelSerializer):
    extensions = ExtensionNumbersField(read_only=True, help_text="Empty: every extension.")

    class Meta:
        model = OutboundRule
        fields = [
            "id", "name", "extensions", "destination_prefix", "destination_length", "sms_configuration", "sender",
            "order", "enabled",
        ]


class _RuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=service.NAME_MAX_LENGTH)
    order = serializers.IntegerField(
        required=False, min_value=0, max_value=service.ORDER_MAX,
        help_text="Lower goes first. Omitted on create: after the last rule.",
    )
    enabled = serializers.BooleanField(required=False, default=True)


class InboundRuleInputSerializer(_RuleInputSerializer):
    trunk = serializers.PrimaryKeyRelatedField(queryset=Trunk.objects.all())
    did = serializers.CharField(
        max_length=40, help_text="One DID (+19195550100) or an ascending range (+19195550100-+19195550199); "
        "it must hold at least one of the trunk's DIDs.",
    )
    caller_mask = serializers.CharField(
        required=False, allow_blank=True, max_length=40,
        help_text="Empty: any caller. One number, a range a-b, or a wildcard such as +1919******* (* = one digit).",
    )
    extensions = ExtensionNumbersField(help_text="Destination extension numbers; at least one.")

    def validate_did(self, value: str) -> str:
        return formats.format_did(*checked(formats.parse_did, value))

    def validate_caller_mask(self, value: str) -> str:
        return checked(formats.normalise_caller_mask, value)


class OutboundRuleInputSerializer(_RuleInputSerializer):
    extensions = ExtensionNumbersField(required=False, help_text="Extension numbers; empty or omitted: every one.")
    destination_prefix = serializers.CharField(
        required=False, allow_blank=True, max_length=24, help_text="+ and 1 to 15 digits; empty: any destination."
    )
    destination_length = serializers.IntegerField(
        required=False, allow_null=True, help_text="8 to 15 digits after the +; null: any length."
    )
    sms_configuration = serializers.PrimaryKeyRelatedField(queryset=SmsConfiguration.objects.all())
    sender = serializers.ChoiceField(choices=OutboundRule.Sender.choices, required=False)

    def validate_destination_prefix(self, value: str) -> str:
        return checked(formats.normalise_destination_prefix, value)

    def validate_destination_length(self, value: int | None) -> int | None:
        return checked(formats.check_destination_length, value)


class _RuleViewSet(viewsets.ModelViewSet):
    input_serializer_class: type[serializers.Serializer]
    create_rule = update_rule = None

    def get_queryset(self):
        return RULE_QUERYSETS[self.serializer_class.Meta.model].all()

    def create(self, request, *args, **kwargs):
        incoming = self.input_serializer_class(data=request.data)
        incoming.is_valid(raise_exception=True)
        rule = self.create_rule(user=request.user, **incoming.validated_data)
        return Response(self._output(rule), status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        rule = self.get_object()
        incoming = self.input_serializer_class(data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        self.update_rule(user=request.user, rule=rule, **incoming.validated_data)
        return Response(self._output(rule))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        service.delete_rule(user=request.user, rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _output(self, rule) -> dict:
        # Reloaded so the extensions are the stored ones, not a list prefetched before the write.
        return self.serializer_class(self.get_queryset().get(pk=rule.pk)).data


class InboundRuleViewSet(_RuleViewSet):
    """Inbound SMS rules: which DID or DID range of a trunk goes to which extensions, optionally only for
    some callers. The most specific matching rule wins; ties go by order."""

    serializer_class = InboundRuleSerializer
    input_serializer_class = InboundRuleInputSerializer
    create_rule = staticmethod(service.create_inbound_rule)
    update_rule = staticmethod(service.update_inbound_rule)

    @extend_schema(request=InboundRuleInputSerializer, responses={201: InboundRuleSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=InboundRuleInputSerializer, responses={200: InboundRuleSerializer})
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(request=InboundRuleInputSerializer, responses={200: InboundRuleSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


class OutboundRuleViewSet(_RuleViewSet):
    """Outbound SMS rules: which extensions may send to which destinations, through which SMS
    configuration and from which number. Tried by order; the first enabled rule that matches decides."""

    serializer_class = OutboundRuleSerializer
    input_serializer_class = OutboundRuleInputSerializer
    create_rule = staticmethod(service.create_outbound_rule)
    update_rule = staticmethod(service.update_outbound_rule)

    @extend_schema(request=OutboundRuleInputSerializer, responses={201: OutboundRuleSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=OutboundRuleInputSerializer, responses={200: OutboundRuleSerializer})
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(request=OutboundRuleInputSerializer, responses={200: OutboundRuleSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
