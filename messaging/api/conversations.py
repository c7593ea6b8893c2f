"""API: /t/<slug>/api/v1/conversations/ — the Inbox for apps: the reader's conversations, their threads,
replies, new conversations and read state.

Open to extension users (`extension_users_allowed`): they see only the conversations of their extensions
(messaging.selectors.conversations.Reader); any other conversation answers the same 404 as one that does
not exist. Sends go through messaging.services.conversations.replies, so they have the refusals, limits and
`Idempotency-Key` handling of POST messages/.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from messaging.api.filters import ConversationFilter
from messaging.api.messages import (
    IDEMPOTENCY_KEY,
    REPLAYED,
    MediaItemField,
    MessageSerializer,
    RecipientsField,
)
from messaging.api.pagination import ConversationCursorPagination, MessageCursorPagination
from messaging.models import Conversation, Message
from messaging.selectors import conversations as conversation_selectors
from messaging.selectors import messages as message_selectors
from messaging.services.conversations import read_state, replies
from messaging.views.media import attachment_response
from portal.api.schema import ERROR_REF

PREVIEW_LENGTH = 160
ID = "[0-9]{1,18}"  # a bigger number than PostgreSQL's bigint is no conversation, not a database error
KEY_REUSED = OpenApiResponse(ERROR_REF, description="The Idempotency-Key was used for another message.")


class LastMessageSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(help_text=f"The first {PREVIEW_LENGTH} characters.")

    class Meta:
        model = Message
        fields = ["id", "direction", "text", "status", "created_at"]

    def get_text(self, message: Message) -> str:
        return message.text[:PREVIEW_LENGTH]


class ConversationSerializer(serializers.ModelSerializer):
    participants = serializers.ListField(child=serializers.CharField(), read_only=True,
                                         help_text="The other parties' numbers, sorted.")
    our_number = serializers.CharField(read_only=True, help_text="Our number: replies are sent from it.")
    unread = serializers.IntegerField(read_only=True, help_text="Inbound messages this user has not read.")
    last_message = LastMessageSerializer(read_only=True, allow_null=True)
    extensions = serializers.SerializerMethodField(help_text="The numbers of the extensions it belongs to.")

    class Meta:
        model = Conversation
        fields = ["id", "our_number", "participants", "unread", "last_message_at", "last_message", "extensions"]

    def get_extensions(self, conversation: Conversation) -> list[str]:
        return [extension.number for extension in conversation.extensions.all()]


class ConversationMessageSerializer(MessageSerializer):
    """A message as messages/ renders it (`extension`: who wrote an outbound one), with its conversation;
    attachments are served under the conversation, where its readers may fetch them."""

    conversation = serializers.IntegerField(source="conversation_id", read_only=True)

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "conversation"]

    @extend_schema_field({"type": "array", "items": {"type": "string", "format": "uri"}})
    def get_media(self, message: Message) -> list[str]:
        request = self.context.get("request")
        urls = []
        for media in message.media.all():
            if media.file:
                path = reverse("conversation-message-media", args=[message.conversation_id, message.pk,
                                                                   media.position])
                urls.append(request.build_absolute_uri(path) if request else path)
            else:
                urls.append(media.source_url)
        return urls


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    media = serializers.ListField(child=MediaItemField(), required=False, default=list,
                                  help_text="Files (multipart) or https URLs, sent as MMS.")
    from_extension = serializers.CharField(
        max_length=16, required=False, allow_blank=True,
        help_text="Which of your extensions writes (by number). Default: your extension in the conversation.")


class StartSerializer(ReplySerializer):
    from_extension = serializers.CharField(
        max_length=16, required=False, allow_blank=True,
        help_text="Which of your extensions sends (by number); required unless you serve exactly one.")
    to = RecipientsField(child=serializers.CharField(max_length=32), allow_empty=False,
                         help_text="One number or a list; several make a group conversation.")


class ConversationViewSet(viewsets.GenericViewSet):
    """The signed-in user's conversations (our number and the other participants), newest first, each with
    this user's unread count. Administrators see every conversation of the tenant, extension users those of
    their extensions. Pages are keyset cursors: follow `next` / `previous`."""

    extension_users_allowed = True
    serializer_class = ConversationSerializer
    queryset = Conversation.objects.none()  # for the schema: every read goes through the selectors, for the reader
    lookup_value_regex = ID
    filterset_class = ConversationFilter
    pagination_class = ConversationCursorPagination

    def list(self, request):
        conversations = self.filter_queryset(conversation_selectors.visible_conversations(self._reader()))
        page = self.paginate_queryset(conversations)
        return self.get_paginated_response(ConversationSerializer(page, many=True).data)

    @extend_schema(responses={200: ConversationSerializer})
    def retrieve(self, request, pk=None):
        return Response(ConversationSerializer(self._conversation(pk)).data)

    @extend_schema(request=StartSerializer, parameters=[IDEMPOTENCY_KEY, REPLAYED],
                   responses={202: ConversationMessageSerializer, 422: KEY_REUSED})
    def create(self, request):
        """Start a conversation (or continue the one with these participants): send a first message."""
        data = _valid(StartSerializer, request.data)
        answer = replies.start_conversation(
            reader=self._reader(), user=request.user, from_extension=data.get("from_extension") or None,
            to=data["to"], text=data["text"], media=data["media"], key=request.headers.get("Idempotency-Key"),
            answer=self._message_data,
        )
        return _send_response(answer)

    # A list of messages in cursor pages (the schema takes the page parameters from pagination_class: the same
    # after/before/limit), without the conversations' filters.
    @extend_schema(operation_id="conversations_messages_list", filters=False,
                   responses={200: ConversationMessageSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """The conversation's messages both ways, newest first."""
        conversation = self._conversation(pk)
        # routed_to is part of each message's body (MessageSerializer): one query for the page, not one each.
        messages = (conversation_selectors.thread_messages(conversation).prefetch_related("routed_to")
                    .order_by("-created_at", "-id"))
        paginator = MessageCursorPagination()
        page = paginator.paginate_queryset(messages, request, view=self)
        return paginator.get_paginated_response(
            ConversationMessageSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=ReplySerializer, parameters=[IDEMPOTENCY_KEY, REPLAYED],
                   responses={202: ConversationMessageSerializer, 422: KEY_REUSED})
    @messages.mapping.post
    def reply(self, request, pk=None):
        """Reply to the participants from the conversation's number."""
        conversation = self._conversation(pk)
        data = _valid(ReplySerializer, request.data)
        answer = replies.reply(
            reader=self._reader(), user=request.user, conversation=conversation, text=data["text"],
            media=data["media"], from_extension=data.get("from_extension") or None,
            key=request.headers.get("Idempotency-Key"), answer=self._message_data,
        )
        return _send_response(answer)

    @extend_schema(request=None, operation_id="conversations_read",
                   responses={200: OpenApiResponse(ConversationSerializer, description="The conversation, now read.")})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark everything up to the last message read for this user (their other devices follow)."""
        read_state.mark_read(conversation=self._conversation(pk), user_id=request.user.pk)
        return Response(ConversationSerializer(self._conversation(pk)).data)

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=rf"messages/(?P<message_id>{ID})/media/(?P<position>[0-9]{{1,4}})",
            url_name="message-media")
    def media(self, request, pk=None, message_id=None, position=None):
        """A stored attachment's file."""
        conversation = self._conversation(pk)
        message = conversation_selectors.thread_messages(conversation).filter(pk=int(message_id)).first()
        item = message and next((m for m in message.media.all() if m.position == int(position) and m.file), None)
        if item is None:
            raise NotFound()
        return attachment_response(item)

    def _reader(self) -> conversation_selectors.Reader:
        return conversation_selectors.reader_for(self.request.user, getattr(self.request, "tenant_role", None))

    def _conversation(self, pk) -> Conversation:
        try:
            return conversation_selectors.get_conversation(self._reader(), int(pk))
        except (Conversation.DoesNotExist, TypeError, ValueError):
            raise NotFound() from None

    def _message_data(self, message: Message) -> dict:
        message = message_selectors.get_message(message.pk)
        return ConversationMessageSerializer(message, context={"request": self.request}).data


def _valid(serializer_class, data) -> dict:
    incoming = serializer_class(data=data)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def _send_response(answer) -> Response:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(answer.body, status=answer.status, headers=headers)
