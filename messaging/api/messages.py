"""API: /t/<slug>/api/v1/messages/ — send (202, queued), list with the screen's filters, show, media.

Refusals come from the same service as the Compose screen: 400 for what was asked (with the field),
409 for what the rules forbid (no rule, opted out, unregistered 10DLC, configuration disabled).
A send with an `Idempotency-Key` header happens once per key (services/outbound/idempotency.py).
"""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from messaging.api.filters import MessageFilter
from messaging.api.pagination import MessageCursorPagination
from messaging.models import Extension, KeywordKind, Message, MessageRecipient
from messaging.selectors import messages as message_selectors
from messaging.services.outbound import idempotency
from messaging.services.outbound.compose import MAX_GROUP_RECIPIENTS, MAX_INDIVIDUAL_RECIPIENTS, SendMode
from messaging.views.media import attachment_response
from portal.api.schema import ERROR_REF

RECIPIENT_STATUSES = [status.value for status in MessageRecipient.STATUSES]
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Optional: 1 to 255 printable ASCII characters chosen by the client (a UUID is best), unique "
    "for each message. Sent again within 24 hours with the same body, it answers the first answer again "
    "(the same message, 202 and body, with `Idempotent-Replayed: true`) and sends nothing more; with another "
    "body, 422 `idempotency_key_reused`; while the first request is still running, the second waits up to "
    "5 s for it, then 409 `idempotency_key_in_use`. Keys are per user. A refused send (400, 409) keeps no key.",
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed", OpenApiTypes.BOOL, OpenApiParameter.HEADER, response=[202],
    description="`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
)


class RecipientSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=RECIPIENT_STATUSES, read_only=True,
                                     help_text="Moves forward only: queued, sending, sent, then delivered or failed.")
    reason = serializers.SerializerMethodField(help_text="Why it was not delivered, in plain words; empty otherwise.")

    class Meta:
        model = MessageRecipient
        fields = ["number", "status", "reason"]

    def get_reason(self, recipient: MessageRecipient) -> str:
        return message_selectors.failure_reason(recipient)


class MessageSerializer(serializers.ModelSerializer):
    to = serializers.ListField(source="to_numbers", child=serializers.CharField(), read_only=True)
    recipients = RecipientSerializer(
        many=True, read_only=True,
        help_text="Outbound: how far the message got to each number (Bandwidth reports each recipient of a group "
                  "message on its own). `status` is derived from these: delivered once every recipient is "
                  "delivered or failed and one was delivered, failed when all failed. Empty for inbound messages.",
    )
    media = serializers.SerializerMethodField()
    extension = serializers.SerializerMethodField()
    routed_to = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    error_description = serializers.SerializerMethodField(help_text="Why it failed, in plain words.")
    keyword_reply = serializers.SerializerMethodField(
        help_text="Outbound: the kind of keyword this message automatically answered (`opt_out`, `opt_in`, `help`; "
                  "docs/compliance.md); null for any other message. Read-only.")

    class Meta:
        model = Message
        fields = [
            "id", "uid", "direction", "to", "recipients", "text", "media", "status", "status_label", "segments",
            "provider_message_id", "error_code", "error_description", "warnings", "extension", "routed_to",
            "unrouted", "keyword_reply", "attempts", "created_at", "updated_at", "sent_at", "delivered_at", "failed_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword, so it cannot be a declared attribute; it goes right after direction.
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "direction":
                ordered["from"] = serializers.CharField(source="from_number", read_only=True)
        return ordered

    @extend_schema_field({"type": "array", "items": {"type": "string", "format": "uri"}})
    def get_media(self, message: Message) -> list[str]:
        request = self.context.get("request")
        urls = []
        for media in message.media.all():
            if media.file:
                path = reverse("message-media", args=[message.pk, media.position])
                urls.append(request.build_absolute_uri(path) if request else path)
            else:
                urls.append(media.source_url)
        return urls

    def get_extension(self, message: Message) -> str | None:
        return message.extension.number if message.extension_id else None

    def get_routed_to(self, message: Message) -> list[str]:
        return [extension.number for extension in message.routed_to.all()]

    def get_error_description(self, message: Message) -> str:
        return message_selectors.failure_reason(message)

    @extend_schema_field({"type": "string", "enum": [*KeywordKind.values, None], "nullable": True})
    def get_keyword_reply(self, message: Message) -> str | None:
        return message.keyword_reply or None


class RecipientsField(serializers.ListField):
    """A list of numbers; a single string with commas is read as a list too."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part for part in data.replace(";", ",").split(",") if part.strip()]
        return super().to_internal_value(data)


@extend_schema_field({"oneOf": [{"type": "string", "format": "binary"}, {"type": "string", "format": "uri"}]})
class MediaItemField(serializers.Field):
    """An uploaded file (multipart) or an https URL Bandwidth can fetch."""

    def to_internal_value(self, data):
        if isinstance(data, UploadedFile | str):
            return data
        raise serializers.ValidationError("Expected an uploaded file or an https URL.")


class MessageCreateSerializer(serializers.Serializer):
    from_extension = serializers.CharField(max_length=16, help_text="The sending extension's number, e.g. 101.")
    to = RecipientsField(child=serializers.CharField(max_length=32), allow_empty=False,
                         help_text=f"Recipient numbers: at most {MAX_GROUP_RECIPIENTS} for a group message "
                                   f"(Bandwidth's limit), {MAX_INDIVIDUAL_RECIPIENTS} for individual messages.")
    mode = serializers.ChoiceField(
        choices=SendMode.choices, default=SendMode.GROUP,
        help_text="With several recipients: `group` (default) sends one group message, one conversation for all; "
                  "`individual` sends each recipient their own message (its own 1:1 conversation), all queued or "
                  "none, and answers `{\"messages\": [...]}` with each message.")
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    media = serializers.ListField(child=MediaItemField(), required=False, default=list,
                                  help_text="Files (multipart) or https URLs, sent as MMS.")

    def validate_from_extension(self, value: str) -> Extension:
        extension = Extension.objects.filter(number=value.strip()).first()
        if extension is None:
            raise serializers.ValidationError(f"There is no extension {value.strip()} in this tenant.")
        return extension


class MessageViewSet(viewsets.GenericViewSet):
    """Messages, newest first. Pages are keyset cursors: follow `next` / `previous`."""

    serializer_class = MessageSerializer
    queryset = Message.objects.all()
    filterset_class = MessageFilter
    pagination_class = MessageCursorPagination

    @extend_schema(request=MessageCreateSerializer, parameters=[IDEMPOTENCY_KEY, REPLAYED], responses={
        202: OpenApiResponse(MessageSerializer, description="The message; for `mode` individual, "
                             "`{\"messages\": [message, ...]}` in the order of `to`."),
        422: OpenApiResponse(ERROR_REF, description="The Idempotency-Key was used for another message."),
    })
    def create(self, request):
        incoming = MessageCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        answer = idempotency.queue_messages_once(
            user=request.user, key=request.headers.get("Idempotency-Key"), extension=data["from_extension"],
            to=data["to"], text=data["text"], media=data["media"], mode=data["mode"],
            answer=lambda messages: self._answer(messages, mode=data["mode"]), status=status.HTTP_202_ACCEPTED,
        )
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
        return Response(answer.body, status=answer.status, headers=headers)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(message_selectors.list_messages()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self._data(pk))

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"media/(?P<position>[0-9]{1,4})", url_name="media")
    def media(self, request, pk=None, position=None):
        """A stored attachment's file (outbound uploads, inbound downloads)."""
        item = self.get_object().media.filter(position=int(position)).first()
        if item is None:
            raise Http404("No stored file for this attachment.")
        return attachment_response(item)

    def _answer(self, messages: Sequence[Message], *, mode: str) -> dict:
        # A group send answers the message itself, as before `mode` existed; individual sends answer them all.
        if mode == SendMode.INDIVIDUAL:
            return {"messages": [self._data(message.pk) for message in messages]}
        return self._data(messages[0].pk)

    def _data(self, pk) -> dict:
        try:
            message = message_selectors.get_message(int(pk))
        except (Message.DoesNotExist, ValueError, TypeError):
            raise Http404("No such message.") from None
        return MessageSerializer(message, context={"request": self.request}).data
