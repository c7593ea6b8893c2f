"""The Inbox settings form: the user's own notification choice."""

from django import forms

from messaging.models import InboxPreference


class InboxSettingsForm(forms.Form):
    email_on_inbound = forms.BooleanField(
        required=False, label=InboxPreference._meta.get_field("email_on_inbound").verbose_name,
        help_text="One e-mail per new inbound message to your extensions, sent only while you have no Inbox or "
        "conversation open in the portal.",
    )
