"""API: webhook-events/ — what Bandwidth sent and how it was handled; Retry for a failed one."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from messaging.models import WebhookEvent
from messaging.services.inbound import process


class WebhookEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEvent
        fields = [
            "id", "configuration_id", "event_type", "carrier_message_id", "recipient", "event_time",
            "received_at", "state", "processed_at", "attempts", "note", "payload",
        ]


class WebhookEventFilterSerializer(serializers.Serializer):
    """The list's query string; a value that cannot match is a 400 with the one error body."""

    configuration = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                             help_text="An SMS configuration's id.")
    type = serializers.CharField(max_length=40, required=False, help_text="e.g. message-received")
    state = serializers.ChoiceField(choices=WebhookEvent.State.choices, required=False)


class WebhookEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WebhookEventSerializer

    def get_queryset(self):
        events = WebhookEvent.objects.order_by("-received_at", "-id")
        if self.action != "list":
            return events
        incoming = WebhookEventFilterSerializer(data=self.request.query_params)
        incoming.is_valid(raise_exception=True)
        query = incoming.validated_data
        if "configuration" in query:
            events = events.filter(configuration_id=query["configuration"])
        if query.get("type"):
            events = events.filter(event_type=query["type"])
        if query.get("state"):
            events = events.filter(state=query["state"])
        return events

    @extend_schema(parameters=[WebhookEventFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={202: WebhookEventSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Make a failed callback pending again and process it now (409 if it has not failed)."""
        event = self.get_object()
        try:
            event = process.retry_callback(event_id=event.pk)
        except WebhookEvent.DoesNotExist:
            raise Http404("No such callback.") from None
        return Response(self.get_serializer(event).data, status=status.HTTP_202_ACCEPTED)
