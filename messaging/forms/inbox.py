"""The Inbox's forms: the reply box of a thread, New conversation and Inbox settings (field formats only; who
may write from which extension, and every sending rule, are in services/conversations/replies.py and outbound/)."""

from django import forms

from messaging.forms.messages import NUMBER_SEPARATORS, FilterForm, SendForm
from messaging.models import InboxPreference
from messaging.selectors.conversations import MAX_QUERY_LENGTH


def _extension_choices(extensions) -> list[tuple[str, str]]:
    return [(extension.number, str(extension)) for extension in extensions]


class InboxFilterForm(FilterForm):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, label="Search")
    unread = forms.BooleanField(required=False, label="Unread only")


class _SendForm(SendForm):
    """Compose's text, attachments and one-time token, in the Inbox's smaller box."""

    TEXT_ROWS = 2

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["placeholder"] = "Message"


class ReplyForm(_SendForm):
    """The reply box. `extensions`: the ones the user may choose from; the choice is offered only when
    there are several (with one, or none, the service picks the writing extension)."""

    KEY_PREFIX = "reply"
    field_order = ["from_extension", "text", "media", "token"]

    def __init__(self, *args, extensions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = _extension_choices(extensions)
        # With one choice it is used without asking; with none the service explains who may write here.
        self.default_extension = choices[0][0] if len(choices) == 1 else None
        if len(choices) > 1:
            self.fields["from_extension"] = forms.ChoiceField(label="From extension", choices=choices)
            self.order_fields(self.field_order)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"text": data.get("text") or "", "media": data.get("media") or [],
                "from_extension": data.get("from_extension") or self.default_extension}


class NewConversationForm(_SendForm):
    KEY_PREFIX = "conversation"
    TEXT_ROWS = 4
    field_order = ["to", "from_extension", "text", "media", "token"]

    to = forms.CharField(
        label="To", widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "inputmode": "tel"}),
        help_text="One or more numbers, separated by commas or new lines (several make a group message).",
    )

    def __init__(self, *args, extensions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = _extension_choices(extensions)
        self.fields["from_extension"] = forms.ChoiceField(
            label="From extension", choices=choices if len(choices) == 1 else [("", "Choose an extension"), *choices],
            help_text="The outbound rules decide the sending number from the extension and the recipients.",
        )
        self.order_fields(self.field_order)

    def clean_to(self) -> list[str]:
        return [part.strip() for part in NUMBER_SEPARATORS.split(self.cleaned_data["to"]) if part.strip()]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"to": data["to"], "from_extension": data["from_extension"], "text": data.get("text") or "",
                "media": data.get("media") or []}


class InboxSettingsForm(forms.Form):
    email_on_inbound = forms.BooleanField(
        required=False, label=InboxPreference._meta.get_field("email_on_inbound").verbose_name,
        help_text="One e-mail per new inbound message to your extensions, sent only while you have no Inbox or "
        "conversation open in the portal.",
    )
