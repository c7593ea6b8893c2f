"""The Compliance screen's forms: keyword lists typed one per line (or comma-separated), reply texts, and one
number's own replies (field formats only; which word may be in which list: services/configuration/compliance.py)."""

import re

from django import forms

from messaging.bandwidth import count_segments
from messaging.models.compliance import KEYWORD_MAX_LENGTH, REPLY_MAX_LENGTH
from messaging.services.inbound.keywords import normalise_keyword

MAX_WORDS = 50
_WORD = re.compile(r"^[A-Z0-9]+( [A-Z0-9]+)*$")


class KeywordListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=2000,
                         help_text="One per line or separated by commas; any letter case.", **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value) -> list[str]:
        text = super().clean(value)
        words = list(dict.fromkeys(w for w in (normalise_keyword(p) for p in re.split(r"[,\n]", text)) if w))
        for word in words:
            if len(word) > KEYWORD_MAX_LENGTH:
                raise forms.ValidationError(f"“{word}” is longer than {KEYWORD_MAX_LENGTH} characters.")
            if not _WORD.match(word):
                raise forms.ValidationError(f"“{word}” may hold only letters, digits and single spaces.")
        if len(words) > MAX_WORDS:
            raise forms.ValidationError(f"At most {MAX_WORDS} keywords per list.")
        return words


def _reply_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=REPLY_MAX_LENGTH, strip=True,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text="Blank: no automatic reply.")


def segments_of(text: str) -> str:
    info = count_segments(text or "")
    plural = "" if info.segments == 1 else "s"
    return f"{len(text or '')} characters · {info.segments} segment{plural} ({info.encoding})"


class ComplianceForm(forms.Form):
    opt_out_keywords = KeywordListField(label="Opt-out keywords")
    opt_in_keywords = KeywordListField(label="Opt-in keywords")
    help_keywords = KeywordListField(label="Help keywords")
    opt_out_reply = _reply_field("Opt-out reply")
    opt_in_reply = _reply_field("Opt-in reply")
    help_reply = _reply_field("Help reply")

    def reply_sizes(self) -> dict[str, str]:
        """Each reply's length in characters and segments, as it stands in the form."""
        return {name: segments_of(self[name].value()) for name in ("opt_out_reply", "opt_in_reply", "help_reply")}


class NumberRepliesForm(forms.Form):
    """One number's replies: an empty text falls back to the tenant's, unless "No reply" is ticked."""

    number = forms.ChoiceField(label="Number")
    opt_out_reply = _reply_field("Opt-out reply")
    opt_out_off = forms.BooleanField(label="No opt-out reply from this number", required=False)
    opt_in_reply = _reply_field("Opt-in reply")
    opt_in_off = forms.BooleanField(label="No opt-in reply from this number", required=False)
    help_reply = _reply_field("Help reply")
    help_off = forms.BooleanField(label="No help reply from this number", required=False)

    def __init__(self, *args, numbers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [(n, n) for n in numbers]
        for kind in ("opt_out", "opt_in", "help"):
            self.fields[f"{kind}_reply"].help_text = "Blank: the tenant's reply."

    def replies(self) -> dict[str, str | None]:
        """{reply field: text, "" for no reply, None for the tenant's}."""
        data = self.cleaned_data
        return {f"{kind}_reply": "" if data[f"{kind}_off"] else (data[f"{kind}_reply"] or None)
                for kind in ("opt_out", "opt_in", "help")}
