"""The Compliance screen's forms: keyword lists typed one per line (or comma-separated), reply texts, and one
number's own replies. Field formats only: what may be saved is checked by services/configuration/compliance.py
(called per field here, so every field shows its error at once, in the words the API uses)."""

import re

from django import forms

from messaging.bandwidth import count_segments
from messaging.models.compliance import REPLY_MAX_LENGTH
from messaging.services.configuration import compliance as service
from portal.forms import checked

KINDS = ("opt_out", "opt_in", "help")


class KeywordListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=2000,
                         help_text="One per line or separated by commas; any letter case.", **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value) -> list[str]:
        return checked(service.normalise_keywords, re.split(r"[,\n]", super().clean(value)))


class ReplyField(forms.CharField):
    """A reply text with the live segment counter (static/js/segments.js) under it."""

    def __init__(self, *, label: str, help_text: str):
        # The length is the service's check (its words); the browser's maxlength only stops typing past it.
        super().__init__(label=label, required=False, strip=True, help_text=help_text, widget=forms.Textarea(
            attrs={"rows": 2, "maxlength": REPLY_MAX_LENGTH, "data-segment-counter": "reply"}))

    def clean(self, value) -> str:
        return checked(service.normalise_reply, super().clean(value))


def segments_of(text: str | None) -> str:
    """A reply's size as stored, in the screen's words (static/js/segments.js writes the same as one types)."""
    text = service.reply_as_stored(text or "")
    info = count_segments(text)
    plural = "" if info.segments == 1 else "s"
    return f"{len(text)} characters · {info.segments} segment{plural} ({info.encoding})"


class ComplianceForm(forms.Form):
    opt_out_keywords = KeywordListField(label="Opt-out keywords")
    opt_in_keywords = KeywordListField(label="Opt-in keywords")
    help_keywords = KeywordListField(label="Help keywords")
    opt_out_reply = ReplyField(label="Opt-out reply", help_text="Blank: no automatic reply.")
    opt_in_reply = ReplyField(label="Opt-in reply", help_text="Blank: no automatic reply.")
    help_reply = ReplyField(label="Help reply", help_text="Blank: no automatic reply.")

    def reply_sizes(self) -> dict[str, str]:
        """Each reply's length in characters and segments, as it stands in the form."""
        return {f"{kind}_reply": segments_of(self[f"{kind}_reply"].value()) for kind in KINDS}


class NumberRepliesForm(forms.Form):
    """One number's replies: an empty text falls back to the tenant's, unless "No reply" is ticked."""

    number = forms.ChoiceField(label="Number")
    opt_out_reply = ReplyField(label="Opt-out reply", help_text="Blank: the tenant's reply.")
    opt_out_off = forms.BooleanField(label="No opt-out reply from this number", required=False)
    opt_in_reply = ReplyField(label="Opt-in reply", help_text="Blank: the tenant's reply.")
    opt_in_off = forms.BooleanField(label="No opt-in reply from this number", required=False)
    help_reply = ReplyField(label="Help reply", help_text="Blank: the tenant's reply.")
    help_off = forms.BooleanField(label="No help reply from this number", required=False)

    def __init__(self, *args, numbers: list[str], **kwargs):
        # Its own element ids: it shares the page with ComplianceForm, whose reply fields have the same names.
        super().__init__(*args, auto_id="number_%s", **kwargs)
        self.fields["number"].choices = [(n, n) for n in numbers]

    def reply_sizes(self) -> dict[str, str]:
        return {f"{kind}_reply": segments_of(self[f"{kind}_reply"].value()) for kind in KINDS}

    def replies(self) -> dict[str, str | None]:
        """{reply field: text, "" for no reply, None for the tenant's}."""
        data = self.cleaned_data
        return {f"{kind}_reply": "" if data[f"{kind}_off"] else (data[f"{kind}_reply"] or None) for kind in KINDS}
