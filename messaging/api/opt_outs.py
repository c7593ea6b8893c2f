"""API: /t/<slug>/api/v1/opt-outs/ — the Opt-outs screen's list, add, remove and CSV import, through the same
services (messaging/services/compliance/opt_outs.py)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from messaging.models import OptOut
from messaging.selectors import opt_outs as selectors
from messaging.services.compliance import opt_outs as service
from portal.api.filters import text_filter


class OptOutFilter(filters.FilterSet):
    q = text_filter(selectors.MAX_QUERY_LENGTH, "A phone number in any format, or some of its digits: opt-outs "
                                                "whose remote number or our number holds it.")
    source = filters.ChoiceFilter(choices=OptOut.Source.choices, help_text="How the opt-out was added.")

    class Meta:
        model = OptOut
        fields = []

    def filter_queryset(self, queryset):
        query = self.form.cleaned_data
        return selectors.list_opt_outs(q=query.get("q") or "", source=query.get("source") or "")


class OptOutSerializer(serializers.ModelSerializer):
    added_by = serializers.CharField(source="added_by.username", read_only=True, allow_null=True,
                                     help_text="The user who added it; null for a STOP keyword.")

    class Meta:
        model = OptOut
        fields = ["id", "number", "remote_number", "source", "keyword", "added_by", "created_at"]
        read_only_fields = fields


class OptOutInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32, help_text="One of the tenant's numbers, in any format.")
    remote_number = serializers.CharField(max_length=32, help_text="The number that may not be sent to.")


class OptOutImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) with the header number,remote_number; number * or empty: "
                                           f"all the tenant's numbers. At most {service.MAX_IMPORT_ROWS} opt-outs "
                                           f"and {service.MAX_IMPORT_BYTES // 1024} kB.")


class OptOutImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="Opt-outs in the file (after * was expanded, repeats dropped).")
    added = serializers.IntegerField(help_text="Of those, the ones that were not on the list yet.")


class OptOutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The remote numbers that may not be sent to from the tenant's numbers. Adding a pair already listed
    answers 200 with it unchanged; an import with any bad line answers 400 listing each line under
    fields.file, and imports nothing."""

    serializer_class = OptOutSerializer
    queryset = OptOut.objects.select_related("added_by").order_by("-created_at", "-id")
    filterset_class = OptOutFilter

    @extend_schema(request=OptOutInputSerializer, responses={201: OptOutSerializer, 200: OptOutSerializer})
    def create(self, request, *args, **kwargs):
        incoming = OptOutInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        opt_out, created = service.add_opt_out(user=request.user, source=OptOut.Source.API,
                                               **incoming.validated_data)
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(OptOutSerializer(opt_out).data, status=answer)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        service.remove_opt_out(user=request.user, opt_out=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request={"multipart/form-data": OptOutImportSerializer},
                   responses={200: OptOutImportResultSerializer})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_csv(self, request):
        """Import a CSV file of opt-outs: all of it, or nothing."""
        incoming = OptOutImportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        # One byte past the limit is enough for the service to refuse the file without reading all of it.
        data = incoming.validated_data["file"].read(service.MAX_IMPORT_BYTES + 1)
        result = service.import_opt_outs(user=request.user, data=data)
        return Response(OptOutImportResultSerializer(result).data)
