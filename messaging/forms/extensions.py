"""The extension add/edit form: formats only; the service decides what may be saved."""

from django import forms

from messaging.models import Extension, PhoneNumber
from messaging.services.configuration.extensions import normalise_extension_number, normalise_sender_id
from portal.forms import checked

SendSms = Extension.SendSms


class ExtensionForm(forms.Form):
    number = forms.CharField(
        max_length=8, help_text="2 to 8 digits, as on the PBX, for example <code>101</code>. Unique in this tenant."
    )
    name = forms.CharField(required=False, max_length=Extension._meta.get_field("name").max_length)
    did = forms.ModelChoiceField(
        label="Own DID", required=False, queryset=PhoneNumber.objects.none(), to_field_name="number",
        empty_label="No own DID",
        help_text="Optional. One of this tenant's DIDs (see Trunks), used as the sender when an outbound rule "
        "sends from the extension's DID. A DID can be the own DID of one extension only.",
    )
    send_sms = forms.ChoiceField(
        label="Send SMS/MMS", choices=SendSms.choices, initial=SendSms.ALLOWED, widget=forms.RadioSelect,
        help_text="As in the PBX's extension settings. With a chosen sender ID, messages from this extension "
        "show that number or short code.",
    )
    sender_id = forms.CharField(
        label="Sender ID", required=False, max_length=20,
        help_text="Only with “Allowed with a chosen sender ID”: a number in E.164 (+19195550100) or a 5–6 digit "
        "short code.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["did"].queryset = PhoneNumber.objects.select_related("trunk").order_by("number")
        self.fields["did"].label_from_instance = lambda number: f"{number.number} (trunk {number.trunk.name})"

    def clean_number(self) -> str:
        return checked(normalise_extension_number, self.cleaned_data["number"])

    def clean_did(self) -> str | None:
        number = self.cleaned_data["did"]
        return number.number if number is not None else None

    def clean_sender_id(self) -> str:
        sender_id = self.cleaned_data["sender_id"].strip()
        return checked(normalise_sender_id, sender_id) if sender_id else ""


def extension_initial(extension: Extension) -> dict:
    """The edit form's starting values."""
    return {
        "number": extension.number, "name": extension.name,
        "did": extension.did.number if extension.did_id else None,
        "send_sms": extension.send_sms, "sender_id": extension.sender_id,
    }
