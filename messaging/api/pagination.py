"""The keyset cursor pages of the message log and the conversations (portal.api.pagination.CursorPagination),
cut by the selectors that also cut the screens' pages."""

from messaging.selectors import conversations as conversation_selectors
from messaging.selectors import messages as message_selectors
from portal.api.pagination import CursorPagination


class MessageCursorPagination(CursorPagination):
    cut = staticmethod(message_selectors.page_of)


class ConversationCursorPagination(CursorPagination):
    cut = staticmethod(conversation_selectors.page_of_conversations)
