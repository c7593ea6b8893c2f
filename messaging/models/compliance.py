"""Compliance keywords (opt-out, opt-in, help) and their automatic replies, per tenant and per number."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

# The CTIA and FCC set (issue 14). "OPT OUT" is stored with its one space: matching collapses inner whitespace.
DEFAULT_OPT_OUT = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"]
DEFAULT_OPT_IN = ["START", "UNSTOP", "YES"]
DEFAULT_HELP = ["HELP", "INFO"]
# Message.keyword and OptOut.keyword hold the matched word: a keyword longer than they are could not be stored.
KEYWORD_MAX_LENGTH = 12
REPLY_MAX_LENGTH = 320  # two GSM-7 segments, or five UCS-2 ones: what carriers expect of a compliance reply


def default_opt_out_keywords() -> list[str]:
    return list(DEFAULT_OPT_OUT)


def default_opt_in_keywords() -> list[str]:
    return list(DEFAULT_OPT_IN)


def default_help_keywords() -> list[str]:
    return list(DEFAULT_HELP)


class KeywordKind(models.TextChoices):
    OPT_OUT = "opt_out", "Opt-out"
    OPT_IN = "opt_in", "Opt-in"
    HELP = "help", "Help"


def _reply(help_text: str) -> models.CharField:
    return models.CharField(max_length=REPLY_MAX_LENGTH, blank=True, help_text=help_text)


class ComplianceSettings(models.Model):
    """The tenant's keyword lists and reply texts: one row per tenant schema (pk 1), made on first read."""

    opt_out_keywords = ArrayField(models.CharField(max_length=KEYWORD_MAX_LENGTH), default=default_opt_out_keywords)
    opt_in_keywords = ArrayField(models.CharField(max_length=KEYWORD_MAX_LENGTH), default=default_opt_in_keywords)
    help_keywords = ArrayField(models.CharField(max_length=KEYWORD_MAX_LENGTH), default=default_help_keywords)
    opt_out_reply = _reply("Sent after an opt-out keyword; blank: no reply.")
    opt_in_reply = _reply("Sent after an opt-in keyword; blank: no reply.")
    help_reply = _reply("Sent after a help keyword; blank: no reply.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Compliance keywords"


class NumberKeywordReply(models.Model):
    """Reply texts of one of the tenant's numbers; a NULL field falls back to the tenant's text, a blank one
    means no reply from this number."""

    number = models.CharField(max_length=16, unique=True)
    opt_out_reply = models.CharField(max_length=REPLY_MAX_LENGTH, null=True, blank=True)
    opt_in_reply = models.CharField(max_length=REPLY_MAX_LENGTH, null=True, blank=True)
    help_reply = models.CharField(max_length=REPLY_MAX_LENGTH, null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Keyword replies of {self.number}"


class KeywordReplySent(models.Model):
    """When a reply of one kind last went from one of our numbers to one remote number: the once-per-window
    rule is one guarded upsert on this row (messaging.services.inbound.keywords), safe under retries and
    races."""

    kind = models.CharField(max_length=8, choices=KeywordKind.choices)
    number = models.CharField(max_length=16)
    remote_number = models.CharField(max_length=16)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "number", "remote_number"],
                                               name="keyword_reply_once_per_pair")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reply from {self.number} to {self.remote_number} at {self.sent_at}"
