"""The Compliance screen's writes: the tenant's keyword lists and reply texts, and one number's own replies.
Each change is audited. Matching and sending live in messaging/services/inbound/keywords.py."""

from django.db import transaction

from messaging.exceptions import ConfigurationInvalid
from messaging.models import AuditEntry, ComplianceSettings, KeywordKind, NumberKeywordReply, PhoneNumber
from messaging.services.configuration.audit import changed_fields, record_change, snapshot
from messaging.services.inbound.keywords import get_compliance_settings

LIST_FIELDS = {KeywordKind.OPT_OUT: "opt_out_keywords", KeywordKind.OPT_IN: "opt_in_keywords",
               KeywordKind.HELP: "help_keywords"}
REPLY_FIELDS = ("opt_out_reply", "opt_in_reply", "help_reply")


def update_compliance_settings(*, user, opt_out_keywords: list[str], opt_in_keywords: list[str],
                               help_keywords: list[str], opt_out_reply: str, opt_in_reply: str,
                               help_reply: str) -> ComplianceSettings:
    """Save the tenant's lists and replies (already normalised by the form). Raises ConfigurationInvalid when a
    word is in two lists or the opt-out list is empty: a tenant must always honour some opt-out word."""
    lists = {"opt_out_keywords": opt_out_keywords, "opt_in_keywords": opt_in_keywords,
             "help_keywords": help_keywords}
    if not opt_out_keywords:
        raise ConfigurationInvalid("Keep at least one opt-out keyword: carriers require STOP to work.",
                                field="opt_out_keywords")
    seen: dict[str, str] = {}
    for field, words in lists.items():
        for word in words:
            if word in seen and seen[word] != field:
                raise ConfigurationInvalid(f"“{word}” is already in another list: a word can be in only one.",
                                        field=field)
            seen[word] = field
    with transaction.atomic():
        current = get_compliance_settings()
        before = snapshot(current)
        for field, value in {**lists, "opt_out_reply": opt_out_reply, "opt_in_reply": opt_in_reply,
                             "help_reply": help_reply}.items():
            setattr(current, field, value)
        current.save()
        changes = changed_fields(before, snapshot(current))
        if changes:
            record_change(user=user, action=AuditEntry.Action.UPDATE, instance=current, changes=changes)
    return current


def set_number_replies(*, user, number: str, replies: dict[str, str | None]) -> NumberKeywordReply | None:
    """Give one of the tenant's numbers its own reply texts (a value None: the tenant's text; "": no reply
    from this number). All None removes the number's row. Raises ConfigurationInvalid for a number that is not
    one of the tenant's DIDs."""
    if not PhoneNumber.objects.filter(number=number).exists():
        raise ConfigurationInvalid(f"{number} is not one of this tenant's numbers.", field="number")
    values = {field: replies.get(field) for field in REPLY_FIELDS}
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
