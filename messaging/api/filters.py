"""The query parameters of the tenant API's lists, as django-filter FilterSets: each one validated (a value
that cannot match answers 400 naming it) and described in the OpenAPI schema from the same class.

The message log and the conversations filter through their selectors, like their screens, so a filter
means the same on the screen and in the API; the webhook events filter on their columns.
"""

from django_filters import rest_framework as filters

from messaging.models import Conversation, Message, WebhookEvent
from messaging.selectors import conversations as conversation_selectors
from messaging.selectors import messages as message_selectors
from portal.api.filters import StrictBooleanFilter, id_filter, text_filter


class MessageFilter(filters.FilterSet):
    direction = filters.ChoiceFilter(choices=Message.Direction.choices, help_text="The direction.")
    status = filters.ChoiceFilter(choices=Message.Status.choices, help_text="The message's status.")
    extension = text_filter(16, "An extension number, e.g. 101: messages it sent or that were routed to it.")
    number = text_filter(32, "A phone number in any format: messages from it or to it.")
    unrouted = StrictBooleanFilter(help_text="true: only inbound messages no inbound rule matched (the Unrouted "
                                             "box).")
    keyword_reply = filters.ChoiceFilter(
        choices=message_selectors.KEYWORD_REPLY_CHOICES,
        help_text="Only automatic keyword replies: of one kind (`opt_out`, `opt_in`, `help`), or `any` kind.")

    class Meta:
        model = Message
        fields = []

    def filter_queryset(self, queryset):
        return message_selectors.filter_messages(queryset, **self.form.cleaned_data)


class ConversationFilter(filters.FilterSet):
    unread = StrictBooleanFilter(help_text="true: only conversations with messages this user has not read; "
                                           "false (the default): all.")
    q = text_filter(conversation_selectors.MAX_QUERY_LENGTH,
                    "A number (any format, or 3+ of its digits) among the participants and our number, or words "
                    "of any message's text.")

    class Meta:
        model = Conversation
        fields = []

    def filter_queryset(self, queryset):
        # The unread counts and the unread filter are the reader's own (their read marks).
        reader = conversation_selectors.reader_for(self.request.user, getattr(self.request, "tenant_role", None))
        query = self.form.cleaned_data
        return conversation_selectors.filter_conversations(queryset, reader, q=query.get("q") or "",
                                                           unread=bool(query.get("unread")))


class WebhookEventFilter(filters.FilterSet):
    configuration = id_filter("An SMS configuration's id.", field_name="configuration_id")
    type = text_filter(40, "The callback's type, e.g. message-received.", field_name="event_type")
    state = filters.ChoiceFilter(choices=WebhookEvent.State.choices, help_text="How far its handling got.")

    class Meta:
        model = WebhookEvent
        fields = []
