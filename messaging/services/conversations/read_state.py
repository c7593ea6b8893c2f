"""Read state: how far each user has read each conversation (their own unread counts)."""

from django.db import connection

from messaging import live
from messaging.models import Conversation, ConversationRead


def mark_read(*, conversation: Conversation, user_id: int) -> None:
    """Everything in the conversation up to its last message is read for this user. Marking read twice, or
    from two devices at once, ends the same; the mark never moves back to an older message."""
    last = (conversation.__class__.objects.filter(pk=conversation.pk).values_list("last_message_id", flat=True)
            .first()) or 0
    table = ConversationRead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (conversation_id, user_id, last_read_message_id, read_at)
                VALUES (%s, %s, %s, now())
                ON CONFLICT (conversation_id, user_id) DO UPDATE
                SET last_read_message_id = GREATEST({table}.last_read_message_id, EXCLUDED.last_read_message_id),
                    read_at = now()""",
            [conversation.pk, user_id, last],
        )
    live.conversation_read(conversation_id=conversation.pk, user_id=user_id)
