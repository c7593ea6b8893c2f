"""The Messages screen's forms: the log filters and the compose form (field formats only; the rules are
in services/outbound/compose.py)."""

import re
import uuid

from django import forms
from django.conf import settings

from messaging.models import Extension, Message
from messaging.services.outbound.compose import MAX_GROUP_RECIPIENTS, MAX_TEXT_LENGTH, SendMode

NUMBER_SEPARATORS = re.compile(r"[,;\n\r]+")


class FilterForm(forms.Form):
    """A list's filters from the query string: each validated (a NUL, an over-long value is a field error),
    never a server error."""

    def filters(self) -> dict[str, str]:
        """The valid, non-empty filters; an invalid one is dropped (the form shows its error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value}


class MessageFilterForm(FilterForm):
    direction = forms.ChoiceField(required=False, choices=[("", "Any direction"), *Message.Direction.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Message.Status.choices])
    extension = forms.CharField(required=False, max_length=16,
                                widget=forms.TextInput(attrs={"placeholder": "Extension, e.g. 101"}))
    number = forms.CharField(required=False, max_length=32,
                             widget=forms.TextInput(attrs={"placeholder": "Number, e.g. +19195550199"}))
    unrouted = forms.BooleanField(required=False, label="Unrouted only")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ExtensionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Extension) -> str:
        return str(obj)


class SendForm(forms.Form):
    """Text, attachments and a one-time token made when the form is shown: submitted twice, it sends once (the
    token is the user's idempotency key, prefixed by KEY_PREFIX). Compose and the Inbox's forms build on it."""

    KEY_PREFIX = ""
    TEXT_ROWS = 5

    text = forms.CharField(
        required=False, max_length=MAX_TEXT_LENGTH, strip=False,
        widget=forms.Textarea(attrs={"maxlength": MAX_TEXT_LENGTH, "data-segment-counter": "1"}),
    )
    media = MultipleFileField(
        label="Attachments", required=False,
        widget=MultipleFileInput(attrs={"accept": ",".join(settings.MMS_ALLOWED_TYPES)}),
        help_text=f"Optional: up to {settings.MMS_MAX_ITEMS} files, {settings.MMS_MAX_BYTES // 1000:,} kB in "
        "total, sent as MMS.",
    )
    token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["rows"] = self.TEXT_ROWS
        self.fields["token"].initial = uuid.uuid4().hex

    def renew_token(self) -> None:
        """Give the form shown again a fresh token, so that pressing Send sends a new message."""
        self.data = self.data.copy()
        self.data["token"] = uuid.uuid4().hex

    def idempotency_key(self) -> str | None:
        """The token as an idempotency key of the user's; None for a form posted without one."""
        token = self.cleaned_data.get("token")
        return f"{self.KEY_PREFIX}:{token}" if token else None

    def clean_text(self) -> str:
        # Browsers submit line breaks as CRLF; the counter (and the phone) sees one character.
        return self.cleaned_data["text"].replace("\r\n", "\n")


class ComposeForm(SendForm):
    KEY_PREFIX = "compose"
    field_order = ["from_extension", "to", "mode", "text", "media", "token"]

    from_extension = ExtensionChoiceField(
        label="From extension", queryset=Extension.objects.none(), empty_label="Choose an extension",
        help_text="The outbound rules decide the sending number from the extension and the recipients.",
    )
    to = forms.CharField(
        label="To", widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text="One or more numbers, separated by commas or new lines.",
    )
    # Group by default: what several numbers meant before the choice existed (and what the API still does).
    mode = forms.ChoiceField(
        label="Several recipients", choices=SendMode.choices, initial=SendMode.GROUP, required=False,
        widget=forms.RadioSelect,
        help_text=f"One group message: everyone sees the others and replies to all, at most {MAX_GROUP_RECIPIENTS} "
        "recipients (Bandwidth's limit). Individual messages: each recipient gets their own message and thread.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_extension"].queryset = Extension.objects.exclude(
            send_sms=Extension.SendSms.NOT_ALLOWED).order_by("number")

    def clean_to(self) -> list[str]:
        return [part.strip() for part in NUMBER_SEPARATORS.split(self.cleaned_data["to"]) if part.strip()]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"extension": data["from_extension"], "to": data["to"], "text": data.get("text") or "",
                "media": data.get("media") or [], "mode": data.get("mode") or SendMode.GROUP}
