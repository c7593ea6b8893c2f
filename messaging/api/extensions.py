"""API: /t/<slug>/api/v1/extensions/ — the Extensions screen's data, written through the same service."""

from django.db.models.functions import Length
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from messaging.models import Extension
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.configuration import extensions as service
from portal.forms import checked


class ExtensionSerializer(serializers.ModelSerializer):
    did = serializers.CharField(
        source="did.number", read_only=True, allow_null=True, help_text="The own DID in E.164, or null."
    )

    class Meta:
        model = Extension
        fields = ["id", "number", "name", "did", "send_sms", "sender_id"]


class ExtensionInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=16, help_text="2 to 8 digits, unique in the tenant, e.g. \"101\".")
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=Extension._meta.get_field("name").max_length
    )
    did = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=32,
        help_text="One of the tenant's DIDs, in any format (stored in E.164), or null for none. "
        "Omitted on update: unchanged.",
    )
    send_sms = serializers.ChoiceField(choices=Extension.SendSms.choices, required=False)
    sender_id = serializers.CharField(
        required=False, allow_blank=True, max_length=20,
        help_text="Required with allowed_with_sender_id (E.164 or a 5–6 digit short code); empty otherwise.",
    )

    def validate_number(self, value: str) -> str:
        return checked(service.normalise_extension_number, value)

    def validate_did(self, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        try:
            return to_e164(value)
        except InvalidNumber as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_sender_id(self, value: str) -> str:
        return checked(service.normalise_sender_id, value) if value.strip() else ""


class ExtensionViewSet(viewsets.ModelViewSet):
    """PBX extensions: number, name, own DID and the right to send SMS/MMS. Deleting an extension that
    is the only one of a rule answers 409 naming the rule; otherwise it is taken out of its rules."""

    serializer_class = ExtensionSerializer
    queryset = Extension.objects.select_related("did").order_by(Length("number"), "number")

    @extend_schema(request=ExtensionInputSerializer, responses={201: ExtensionSerializer})
    def create(self, request, *args, **kwargs):
        incoming = ExtensionInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        extension = service.create_extension(user=request.user, **incoming.validated_data)
        return Response(self._output(extension), status=status.HTTP_201_CREATED)

    @extend_schema(request=ExtensionInputSerializer, responses={200: ExtensionSerializer})
    def update(self, request, *args, partial=False, **kwargs):
        extension = self.get_object()
        incoming = ExtensionInputSerializer(data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        service.update_extension(user=request.user, extension=extension, **incoming.validated_data)
        return Response(self._output(extension))

    @extend_schema(request=ExtensionInputSerializer, responses={200: ExtensionSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        service.delete_extension(user=request.user, extension=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _output(self, extension: Extension) -> dict:
        return ExtensionSerializer(self.get_queryset().get(pk=extension.pk)).data
