"""Live events: what changed, told to every open Inbox and thread of the users who may see it.

The services that change messages call these (never views); each event leaves after the transaction
commits. The transport (publication, the stream endpoint, catch-up) is filled in by the live-channel work;
until then these only record nothing.
"""

from __future__ import annotations


def message_changed(message) -> None:
    """A message was stored, or its status, recipients or attachments changed. `message` or its id."""


def conversation_read(*, conversation_id: int, user_id: int) -> None:
    """`user_id` read the conversation: their other tabs and devices clear its unread count."""


def connected_users(user_ids) -> set[int]:
    """Which of `user_ids` have an Inbox or thread open in this tenant right now (the e-mail notification
    is sent only to the others)."""
    return set()
