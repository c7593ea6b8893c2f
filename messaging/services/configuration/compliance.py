"""The Compliance screen's and API's writes: the tenant's keyword lists and reply texts, and one number's own
replies. Each change is audited. Every rule on what may be saved lives here, so the screen and the API refuse
the same things with the same words. Matching and sending live in messaging/services/inbound/keywords.py."""

import re
from collections.abc import Iterable

from django.db import transaction

from messaging.exceptions import ConfigurationInvalid
from messaging.models import AuditEntry, ComplianceSettings, KeywordKind, NumberKeywordReply, PhoneNumber
from messaging.models.compliance import KEYWORD_MAX_LENGTH, REPLY_MAX_LENGTH
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.configuration.audit import changed_fields, record_change, snapshot
from messaging.services.inbound.keywords import get_compliance_settings, normalise_keyword

LIST_FIELDS = {KeywordKind.OPT_OUT: "opt_out_keywords", KeywordKind.OPT_IN: "opt_in_keywords",
               KeywordKind.HELP: "help_keywords"}
REPLY_FIELDS = ("opt_out_reply", "opt_in_reply", "help_reply")
MAX_WORDS = 50
_WORD = re.compile(r"^[A-Z0-9]+( [A-Z0-9]+)*$")
_QUOTED = 20  # a refused word is quoted back up to this many characters


def normalise_keywords(words: Iterable[str]) -> list[str]:
    """The words as stored: normalised (normalise_keyword), blanks and repeats dropped, in the order given.
    Raises ConfigurationInvalid for a word that could not be stored or matched, or more than MAX_WORDS."""
    found = list(dict.fromkeys(w for w in (normalise_keyword(str(word)) for word in words) if w))
    for word in found:
        if len(word) > KEYWORD_MAX_LENGTH:
            raise ConfigurationInvalid(f"“{_quote(word)}” is longer than {KEYWORD_MAX_LENGTH} characters.")
        if not _WORD.match(word):
            raise ConfigurationInvalid(f"“{_quote(word)}” may hold only letters, digits and single spaces.")
    if len(found) > MAX_WORDS:
        raise ConfigurationInvalid(f"At most {MAX_WORDS} keywords per list.")
    return found


def reply_as_stored(text: str) -> str:
    """A reply text as it would be stored: a line break is one character (\\n, as Compose sends it), surrounding
    blanks dropped. static/js/segments.js does the same before counting."""
    return text.replace("\r\n", "\n").strip()


def normalise_reply(text: str) -> str:
    """reply_as_stored(text); raises ConfigurationInvalid past REPLY_MAX_LENGTH characters or for a NUL."""
    text = reply_as_stored(text)
    if "\x00" in text:
        raise ConfigurationInvalid("Null characters are not allowed.")
    if len(text) > REPLY_MAX_LENGTH:
        raise ConfigurationInvalid(f"A reply may have at most {REPLY_MAX_LENGTH} characters (this one has "
                                   f"{len(text)}).")
    return text


def tenant_number(text: str) -> str:
    """One of the tenant's numbers, typed in any format, as E.164. Raises ConfigurationInvalid otherwise."""
    try:
        number = to_e164(text)
    except InvalidNumber as exc:
        raise ConfigurationInvalid(str(exc), field="number") from None
    if not PhoneNumber.objects.filter(number=number).exists():
        raise ConfigurationInvalid(f"{number} is not one of this tenant's numbers.", field="number")
    return number


def update_compliance_settings(*, user, opt_out_keywords: Iterable[str] | None = None,
                               opt_in_keywords: Iterable[str] | None = None,
                               help_keywords: Iterable[str] | None = None, opt_out_reply: str | None = None,
                               opt_in_reply: str | None = None, help_reply: str | None = None) -> ComplianceSettings:
    """Save the tenant's lists and replies; a value None keeps what is saved. Each list and reply is
    normalised and checked as normalise_keywords and normalise_reply say. Raises ConfigurationInvalid (with
    the field) when a word is in two lists or the opt-out list is empty: a tenant must always honour some
    opt-out word. Nothing is saved unless all of it is valid."""
    given = {"opt_out_keywords": opt_out_keywords, "opt_in_keywords": opt_in_keywords,
             "help_keywords": help_keywords, "opt_out_reply": opt_out_reply, "opt_in_reply": opt_in_reply,
             "help_reply": help_reply}
    changes = {field: _checked(field, value) for field, value in given.items() if value is not None}
    with transaction.atomic():
        current = ComplianceSettings.objects.select_for_update().filter(pk=get_compliance_settings().pk).get()
        lists = {field: changes.get(field, getattr(current, field)) for field in LIST_FIELDS.values()}
        _check_lists(lists)
        before = snapshot(current)
        for field, value in changes.items():
            setattr(current, field, value)
        current.save()
        changed = changed_fields(before, snapshot(current))
        if changed:
            record_change(user=user, action=AuditEntry.Action.UPDATE, instance=current, changes=changed)
    return current


def set_number_replies(*, user, number: str, replies: dict[str, str | None]) -> NumberKeywordReply | None:
    """Give one of the tenant's numbers (any format) its own reply texts (a value None or missing: the
    tenant's text; "" or blanks: no reply from this number). All None removes the number's row. Raises
    ConfigurationInvalid for a number that is not one of the tenant's DIDs or a reply normalise_reply
    refuses."""
    number = tenant_number(number)
    values = {field: None if replies.get(field) is None else _checked(field, replies[field])
              for field in REPLY_FIELDS}
    with transaction.atomic():
        existing = NumberKeywordReply.objects.select_for_update().filter(number=number).first()
        if all(value is None for value in values.values()):
            if existing is not None:
                record_change(user=user, action=AuditEntry.Action.DELETE, instance=existing)
                existing.delete()
            return None
        before = snapshot(existing) if existing else {}
        row, created = NumberKeywordReply.objects.update_or_create(number=number, defaults=values)
        record_change(user=user, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                      instance=row, changes=changed_fields(before, snapshot(row)))
    return row


def _checked(field: str, value):
    try:
        return normalise_reply(value) if field in REPLY_FIELDS else normalise_keywords(value)
    except ConfigurationInvalid as exc:
        raise ConfigurationInvalid(exc.message, field=field) from None


def _check_lists(lists: dict[str, list[str]]) -> None:
    if not lists["opt_out_keywords"]:
        raise ConfigurationInvalid("Keep at least one opt-out keyword: carriers require STOP to work.",
                                   field="opt_out_keywords")
    seen: dict[str, str] = {}
    for field, words in lists.items():
        for word in words:
            if word in seen and seen[word] != field:
                raise ConfigurationInvalid(f"“{word}” is already in another list: a word can be in only one.",
                                           field=field)
            seen[word] = field


def _quote(word: str) -> str:
    return word if len(word) <= _QUOTED else word[:_QUOTED] + "…"
