"""API: webhook-events/ — what Bandwidth sent and how it was handled (read-only)."""

from rest_framework import serializers, viewsets

from messaging.models import WebhookEvent


class WebhookEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEvent
        fields = [
            "id", "configuration_id", "event_type", "carrier_message_id", "recipient", "event_time",
            "received_at", "state", "processed_at", "attempts", "note", "payload",
        ]


class WebhookEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WebhookEventSerializer

    def get_queryset(self):
        events = WebhookEvent.objects.order_by("-received_at", "-id")
        params = self.request.query_params
        if params.get("configuration"):
            events = events.filter(configuration_id=params["configuration"]) if params["configuration"].isdigit() \
                else events.none()
        if params.get("type"):
            events = events.filter(event_type=params["type"])
        if params.get("state"):
            events = events.filter(state=params["state"])
        return events
