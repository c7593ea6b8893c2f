"""Compliance keywords of inbound messages: opt-out, opt-in and help, matched against the tenant's lists, and
the automatic reply each may trigger.

A keyword is the whole message, trimmed, in any letter case, inner whitespace collapsed ("Opt  Out" is
"OPT OUT"); surrounding punctuation is ignored ("Stop." is STOP) but any other word makes it an ordinary message
("please stop" is not one). The reply goes from the number that received the keyword to its sender, through the
normal delivery task, as an outbound Message in the same conversation marked `keyword_reply`: the one kind of
message delivery lets through to a number that opted out (CTIA asks for the opt-out to be confirmed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from messaging import dispatch
from messaging import metrics as message_metrics
from messaging.bandwidth import count_segments
from messaging.exceptions import SendRefused
from messaging.models import (
    ComplianceSettings,
    KeywordKind,
    KeywordReplySent,
    Message,
    MessageRecipient,
    NumberKeywordReply,
    OptOut,
)
from messaging.models.compliance import KEYWORD_MAX_LENGTH
from messaging.services.conversations import threads
from messaging.services.outbound import routing

# Longer texts cannot be a keyword: they skip the settings read (most inbound messages).
_LONGEST_CANDIDATE = KEYWORD_MAX_LENGTH * 4
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class KeywordMatch:
    kind: str
    word: str


def normalise_keyword(text: str) -> str:
    """The form keywords are stored and compared in: upper case, inner whitespace one space, no surrounding
    punctuation."""
    return _EDGES.sub("", " ".join(text.split()).upper())


def get_compliance_settings() -> ComplianceSettings:
    """The tenant's compliance settings, made with the CTIA/FCC defaults on first use."""
    found, _ = ComplianceSettings.objects.get_or_create(pk=1)
    return found


def match_keyword(text: str) -> KeywordMatch | None:
    """The kind of keyword `text` is for this tenant, or None when it is an ordinary message."""
    if len(text) > _LONGEST_CANDIDATE:
        return None
    word = normalise_keyword(text)
    if not word or len(word) > KEYWORD_MAX_LENGTH:
        return None
    lists = get_compliance_settings()
    for kind, words in ((KeywordKind.OPT_OUT, lists.opt_out_keywords), (KeywordKind.OPT_IN, lists.opt_in_keywords),
                        (KeywordKind.HELP, lists.help_keywords)):
        if word in words:
            return KeywordMatch(kind, word)
    return None


def apply_keyword(message: Message, *, our_number: str, caller: str) -> str:
    """Apply a newly stored inbound message's keyword, if it is one: record the opt-out (or remove it), mark
    the message, and queue the reply. Returns the words added to the callback's note ("" for no keyword).
    Must run inside the transaction that stores the message: it is called once per stored message, and the
    reply's once-per-window row makes a second run (a retried batch) send nothing more."""
    found = match_keyword(message.text)
    if found is None:
        return ""
    number, remote = our_number[:16], caller[:16]
    if found.kind == KeywordKind.OPT_OUT:
        OptOut.objects.get_or_create(number=number, remote_number=remote, defaults={"keyword": found.word})
        note = f" {caller} opted out of {our_number} ({found.word}): sends to it are refused."
    elif found.kind == KeywordKind.OPT_IN:
        OptOut.objects.filter(number=number, remote_number=remote).delete()
        note = f" {caller} opted back in to {our_number} ({found.word})."
    else:
        note = f" {caller} asked for HELP ({found.word})."
    message.keyword = found.word
    message.save(update_fields=["keyword"])
    return note + send_keyword_reply(inbound=message, kind=found.kind, our_number=number, caller=remote)


def reply_text(*, kind: str, our_number: str) -> str:
    """The reply to a keyword of `kind` received on `our_number`: the number's own text where it has one
    (blank: no reply from it), else the tenant's."""
    field = f"{kind}_reply"
    override = NumberKeywordReply.objects.filter(number=our_number).values_list(field, flat=True).first()
    if override is not None:
        return override.strip()
    return getattr(get_compliance_settings(), field).strip()


def send_keyword_reply(*, inbound: Message, kind: str, our_number: str, caller: str) -> str:
    """Queue the automatic reply to a keyword: from `our_number` to `caller`, through the inbound message's
    SMS configuration, in its conversation, delivered after commit. Returns the words for the callback's note.

    Guarantees: at most one reply per (kind, our number, caller) within KEYWORD_REPLY_WINDOW_MINUTES, also
    when two workers handle keywords of the same pair at once (one guarded upsert; the second waits for the
    first to commit). Nothing is sent for a blank reply text or a configuration that cannot send.
    """
    text = reply_text(kind=kind, our_number=our_number)
    configuration = inbound.sms_configuration
    if not text or configuration is None:
        return ""
    try:
        routing.check_configuration_sends(configuration)
    except SendRefused as exc:
        return f" No automatic reply: {exc.message}"
    if not _claim_window(kind=kind, our_number=our_number, caller=caller):
        return " No automatic reply: one was sent within the reply window."
    with transaction.atomic():
        reply = Message.objects.create(
            direction=Message.Direction.OUTBOUND, status=Message.Status.QUEUED, sms_configuration=configuration,
            from_number=our_number, to_numbers=[caller], text=text, segments=count_segments(text).segments,
            keyword_reply=kind, next_attempt_at=timezone.now(),
        )
        MessageRecipient.objects.create(message=reply, number=caller)
        threads.join_conversation(reply)
        message_metrics.message_status("queued")
        dispatch.on_commit("messaging.deliver_message", reply.pk)
    return f" Automatic reply queued as message {reply.pk}."


_CLAIM_SQL = (
    f'INSERT INTO "{KeywordReplySent._meta.db_table}" AS s (kind, number, remote_number, sent_at) '
    "VALUES (%(kind)s, %(number)s, %(remote)s, %(now)s) "
    "ON CONFLICT (kind, number, remote_number) DO UPDATE SET sent_at = EXCLUDED.sent_at "
    "WHERE s.sent_at <= EXCLUDED.sent_at - %(window)s RETURNING s.id"
)


def _claim_window(*, kind: str, our_number: str, caller: str) -> bool:
    window = timedelta(minutes=settings.KEYWORD_REPLY_WINDOW_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"kind": kind, "number": our_number, "remote": caller, "now": timezone.now(),
                                    "window": window})
        return cursor.fetchone() is not None
