"""API: webhook-events/ — what Bandwidth sent and how it was handled; Retry for a failed one."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from messaging.api.filters import WebhookEventFilter
from messaging.models import WebhookEvent
from messaging.services.inbound import process


class WebhookEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEvent
        fields = [
            "id", "configuration_id", "event_type", "carrier_message_id", "recipient", "event_time",
            "received_at", "state", "processed_at", "attempts", "note", "payload",
        ]


class WebhookEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WebhookEventSerializer
    queryset = WebhookEvent.objects.order_by("-received_at", "-id")
    filterset_class = WebhookEventFilter

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
