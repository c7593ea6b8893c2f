"""API: /t/<slug>/api/v1/trunks/ — the Trunks screen's data, written through the same service."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from messaging.models import PhoneNumber, Trunk
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.compliance import registrations
from messaging.services.configuration import trunks as service
from messaging.services.configuration.trunks import NumberEntry
from portal.forms import checked

REFRESH_QUEUED = registrations.REFRESH_QUEUED
REFRESH_ALREADY_QUEUED = registrations.REFRESH_ALREADY_QUEUED
CAMPAIGN_ID_MAX_LENGTH = PhoneNumber._meta.get_field("campaign_id").max_length
NUMBER_OBJECT_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "string", "example": "+19195550100"},
        "ten_dlc_status": {"type": "string", "enum": PhoneNumber.TenDlcStatus.values},
        "campaign_id": {"type": "string", "maxLength": CAMPAIGN_ID_MAX_LENGTH, "example": "CABC123"},
    },
    "required": ["number"],
}


REGISTRATION_FIELDS = [
    "is_toll_free", "registration_source", "campaign_class", "campaign_status", "toll_free_status",
    "toll_free_detail", "registration_checked_at", "registration_error", "effective_rate", "effective_rate_source",
]


class PhoneNumberSerializer(serializers.ModelSerializer):
    """A DID. Its 10DLC and toll-free status as Bandwidth said it (registration_source "bandwidth") or as typed;
    the fields after campaign_id are read-only."""

    is_toll_free = serializers.BooleanField(read_only=True)
    effective_rate = serializers.SerializerMethodField(help_text="Messages per second this number sends at.")
    effective_rate_source = serializers.SerializerMethodField(
        help_text="Where effective_rate comes from: set on the number, its 10DLC class, or SMS_RATE_PER_NUMBER.",
    )

    class Meta:
        model = PhoneNumber
        fields = ["number", "ten_dlc_status", "campaign_id", *REGISTRATION_FIELDS]
        read_only_fields = REGISTRATION_FIELDS

    def get_effective_rate(self, number: PhoneNumber) -> float:
        return number.effective_rate[0]

    def get_effective_rate_source(self, number: PhoneNumber) -> str:
        return number.effective_rate[1]


class TrunkSerializer(serializers.ModelSerializer):
    numbers = PhoneNumberSerializer(many=True, read_only=True)

    class Meta:
        model = Trunk
        fields = ["id", "name", "host", "enabled", "numbers"]


@extend_schema_field({"type": "array", "items": {"oneOf": [{"type": "string"}, NUMBER_OBJECT_SCHEMA]}})
class NumbersField(serializers.Field):
    """A list of E.164 strings or {number, ten_dlc_status, campaign_id} objects, checked item by item.

    Errors come back as one list under "numbers", each naming the item, like the form names lines.
    """

    def to_internal_value(self, data) -> list[NumberEntry]:
        if not isinstance(data, list):
            raise serializers.ValidationError("Expected a list of phone numbers or number objects.")
        entries, errors = [], []
        for position, item in enumerate(data, start=1):
            try:
                entries.append(_number_entry(item))
            except serializers.ValidationError as exc:
                errors.append(f"Item {position}: {exc.detail[0]}")
        if errors:
            raise serializers.ValidationError(errors)
        return entries


class TrunkInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=Trunk._meta.get_field("name").max_length)
    host = serializers.CharField(
        max_length=Trunk._meta.get_field("host").max_length,
        help_text="A host name, or one or more comma-separated IPv4/IPv6 addresses; stored normalised.",
    )
    enabled = serializers.BooleanField(required=False, default=True)
    numbers = NumbersField(
        required=False,
        help_text="Replaces the trunk's DIDs. Omitted on update: unchanged. A number without a status keeps "
        "the one it has, or starts as not_registered (US long code) / not_applicable.",
    )

    def validate_host(self, value: str) -> str:
        return checked(service.normalise_host, value)


class TrunkViewSet(viewsets.ModelViewSet):
    """Bandwidth IP-authentication trunks and their DIDs. Deleting a trunk an SMS configuration uses
    answers 409 naming the configuration."""

    serializer_class = TrunkSerializer
    queryset = Trunk.objects.prefetch_related("numbers")

    @extend_schema(request=TrunkInputSerializer, responses={201: TrunkSerializer})
    def create(self, request, *args, **kwargs):
        incoming = TrunkInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        trunk = service.create_trunk(user=request.user, **incoming.validated_data)
        return Response(self._output(trunk), status=status.HTTP_201_CREATED)

    @extend_schema(request=TrunkInputSerializer, responses={200: TrunkSerializer})
    def update(self, request, *args, partial=False, **kwargs):
        trunk = self.get_object()
        incoming = TrunkInputSerializer(data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        service.update_trunk(user=request.user, trunk=trunk, **incoming.validated_data)
        return Response(self._output(trunk))

    @extend_schema(request=TrunkInputSerializer, responses={200: TrunkSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        service.delete_trunk(user=request.user, trunk=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: {"type": "object", "properties": {"detail": {"type": "string"}}}})
    @action(detail=False, methods=["post"], url_path="refresh-registrations", url_name="refresh-registrations")
    def refresh_registrations(self, request):
        """Read every number's 10DLC campaign and toll-free verification from Bandwidth again, in a worker: the
        numbers show the result (registration_checked_at, registration_error) when it is done."""
        queued = registrations.queue_refresh()
        return Response({"detail": REFRESH_QUEUED if queued else REFRESH_ALREADY_QUEUED},
                        status=status.HTTP_202_ACCEPTED)

    def _output(self, trunk: Trunk) -> dict:
        # Reloaded so the numbers are the stored ones, not the list prefetched before the write.
        return TrunkSerializer(self.get_queryset().get(pk=trunk.pk)).data


def _number_entry(item) -> NumberEntry:
    if isinstance(item, str):
        item = {"number": item}
    if not isinstance(item, dict) or not isinstance(item.get("number"), str):
        raise serializers.ValidationError("expected an E.164 string or an object with a \"number\" string.")
    unknown = set(item) - {"number", "ten_dlc_status", "campaign_id"}
    if unknown:
        raise serializers.ValidationError(f"unknown keys: {', '.join(sorted(unknown))}.")
    try:
        number = to_e164(item["number"])
    except InvalidNumber as exc:
        raise serializers.ValidationError(str(exc)) from exc
    ten_dlc_status = item.get("ten_dlc_status")
    if ten_dlc_status is not None and ten_dlc_status not in PhoneNumber.TenDlcStatus.values:
        choices = ", ".join(PhoneNumber.TenDlcStatus.values)
        raise serializers.ValidationError(f"{number}: “{ten_dlc_status}” is not a 10DLC status ({choices}).")
    campaign_id = item.get("campaign_id")
    campaign_ok = isinstance(campaign_id, str) and len(campaign_id) <= CAMPAIGN_ID_MAX_LENGTH
    if campaign_id is not None and not campaign_ok:
        raise serializers.ValidationError(
            f"{number}: campaign_id must be a string of at most {CAMPAIGN_ID_MAX_LENGTH} characters."
        )
    return NumberEntry(number=number, ten_dlc_status=ten_dlc_status, campaign_id=campaign_id)
