"""API: /t/<slug>/api/v1/compliance/ — the Compliance screen's keyword lists and reply texts (GET, PUT, PATCH),
and compliance/numbers/<number>/ — one number's own replies (list, GET, PUT, DELETE). Tenant administrators
(and system administrators); the same services as the screen, so both refuse the same things in the same words
(messaging/services/configuration/compliance.py)."""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.exceptions import ConfigurationInvalid
from messaging.models import NumberKeywordReply
from messaging.models.compliance import KEYWORD_MAX_LENGTH, REPLY_MAX_LENGTH
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.configuration import compliance as service
from messaging.services.inbound.keywords import get_compliance_settings
from portal.api.filters import documented
from portal.forms import checked

NUMBER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH,
                          description="One of the tenant's numbers, in E.164 (+19195550100) or any format.")


class TextField(serializers.CharField):
    """A JSON string only: DRF's CharField would read 42 or true as the text "42" or "True"."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "maxLength": REPLY_MAX_LENGTH})
class ReplyTextField(TextField):
    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        return checked(service.normalise_reply, super().to_internal_value(data))


class KeywordListField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=TextField(allow_blank=True), **kwargs)

    def to_internal_value(self, data):
        return checked(service.normalise_keywords, super().to_internal_value(data))


def _keywords(kind: str) -> KeywordListField:
    return KeywordListField(help_text=f"The {kind} keywords: letters, digits and single spaces, at most "
                            f"{KEYWORD_MAX_LENGTH} characters each, {service.MAX_WORDS} per list; stored in upper "
                            "case with inner whitespace collapsed, repeats dropped. A word may be in one list only.")


def _reply(kind: str) -> ReplyTextField:
    return ReplyTextField(help_text=f"The automatic reply to {kind} keyword, at most {REPLY_MAX_LENGTH} "
                          "characters (surrounding blanks dropped, a line break is one \\n); empty: no reply.")


class ComplianceSettingsSerializer(serializers.Serializer):
    opt_out_keywords = _keywords("opt-out")
    opt_in_keywords = _keywords("opt-in")
    help_keywords = _keywords("help")
    opt_out_reply = _reply("an opt-out")
    opt_in_reply = _reply("an opt-in")
    help_reply = _reply("a help")
    updated_at = serializers.DateTimeField(read_only=True)


def _reply_or_tenants(kind: str) -> ReplyTextField:
    return ReplyTextField(required=False, allow_null=True, default=None, help_text=(
        f"This number's reply to {kind} keyword (at most {REPLY_MAX_LENGTH} characters); null or missing: "
        "the tenant's reply; empty: no reply from this number."))


class NumberRepliesSerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True, help_text="The tenant's number, in E.164.")
    opt_out_reply = _reply_or_tenants("an opt-out")
    opt_in_reply = _reply_or_tenants("an opt-in")
    help_reply = _reply_or_tenants("a help")


class ComplianceSettingsView(APIView):
    """The tenant's compliance keywords and automatic replies (docs/compliance.md). PUT sends every field;
    PATCH only those to change. A word in two lists or an empty opt-out list is a 400 naming the field;
    nothing is saved unless all of it is valid."""

    serializer_class = ComplianceSettingsSerializer

    @extend_schema(responses={200: ComplianceSettingsSerializer})
    def get(self, request):
        return Response(ComplianceSettingsSerializer(get_compliance_settings()).data)

    @extend_schema(request=ComplianceSettingsSerializer, responses={200: ComplianceSettingsSerializer})
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(request=ComplianceSettingsSerializer, responses={200: ComplianceSettingsSerializer})
    def patch(self, request):
        return self._save(request, partial=True)

    def _save(self, request, *, partial: bool):
        incoming = ComplianceSettingsSerializer(data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        saved = service.update_compliance_settings(user=request.user, **incoming.validated_data)
        return Response(ComplianceSettingsSerializer(saved).data)


class PhoneNumberFormField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return to_e164(value)
        except InvalidNumber as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class PhoneNumberFilter(filters.CharFilter):
    field_class = PhoneNumberFormField


class NumberRepliesFilter(filters.FilterSet):
    number = documented(PhoneNumberFilter(max_length=32, help_text="A phone number in any format: only its row."),
                        {"type": "string", "maxLength": 32})

    class Meta:
        model = NumberKeywordReply
        fields = []


class NumberRepliesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tenant's numbers that have replies of their own (the others use the tenant's). Every number of the
    tenant can be read, set (PUT) and given back the tenant's replies (DELETE); a number that is not the
    tenant's answers 404."""

    serializer_class = NumberRepliesSerializer
    queryset = NumberKeywordReply.objects.all()
    filterset_class = NumberRepliesFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    @extend_schema(parameters=[NUMBER], responses={200: NumberRepliesSerializer})
    def retrieve(self, request, number=None):
        return Response(self._answer(self._tenant_number(number)))

    @extend_schema(parameters=[NUMBER], request=NumberRepliesSerializer, responses={200: NumberRepliesSerializer})
    def update(self, request, number=None):
        """Set the number's three replies (each one missing or null: the tenant's). All null is a DELETE."""
        number = self._tenant_number(number)
        incoming = NumberRepliesSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        service.set_number_replies(user=request.user, number=number, replies=incoming.validated_data)
        return Response(self._answer(number))

    @extend_schema(parameters=[NUMBER], responses={204: None})
    def destroy(self, request, number=None):
        """The number uses the tenant's replies again (also when it already did)."""
        service.set_number_replies(user=request.user, number=self._tenant_number(number), replies={})
        return Response(status=204)

    def _tenant_number(self, text: str) -> str:
        try:
            return service.tenant_number(text)
        except ConfigurationInvalid as exc:
            raise NotFound(exc.message) from None

    def _answer(self, number: str) -> dict:
        row = NumberKeywordReply.objects.filter(number=number).first() or NumberKeywordReply(number=number)
        return NumberRepliesSerializer(row).data
