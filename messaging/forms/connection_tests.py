"""Send test message (an SMS configuration's page): field formats only; the rules (a sender on the trunk, a valid
and other recipient, the running-test limit) are the service's (services/configuration/test_messages.py)."""

from django import forms

from messaging.services.configuration import test_messages
from messaging.services.outbound.compose import MAX_TEXT_LENGTH


class TestMessageForm(forms.Form):
    __test__ = False  # not a pytest test class, despite its name

    from_number = forms.ChoiceField(label="From", help_text="One of the numbers of the configuration's trunk.")
    to_number = forms.ChoiceField(label="To", required=False,
                                  help_text="One of this tenant's numbers: the test then also waits for the "
                                            "inbound message.")
    to = forms.CharField(label="or another number", required=False, max_length=32,
                         help_text="Typed here, it is used instead of the choice above (E.164, e.g. +19195550199).",
                         widget=forms.TextInput(attrs={"placeholder": "+19195550199", "spellcheck": "false"}))
    text = forms.CharField(max_length=MAX_TEXT_LENGTH, widget=forms.TextInput(attrs={"maxlength": MAX_TEXT_LENGTH}))

    def __init__(self, *args, configuration, **kwargs):
        super().__init__(*args, **kwargs)
        senders = test_messages.list_sender_numbers(configuration)
        self.fields["from_number"].choices = [(number, number) for number in senders]
        self.fields["to_number"].choices = [("", "A number I type"), *(
            (number, number) for number in test_messages.list_tenant_numbers())]
        self.fields["text"].initial = test_messages.default_text()
        others = [number for number in self.fields["to_number"].choices[1:] if number[0] not in senders[:1]]
        if others:
            self.fields["to_number"].initial = others[0][0]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        chosen, typed = data.get("to_number"), (data.get("to") or "").strip()
        if not chosen and not typed:
            self.add_error("to", "Choose one of your numbers or type the number to send the test to.")
        else:
            data["to"] = typed or chosen  # a typed number wins: the select always holds a choice
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"from_number": data["from_number"], "to": data["to"], "text": data["text"]}
