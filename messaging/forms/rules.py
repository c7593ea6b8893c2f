"""The inbound and outbound rule forms: formats only; the service decides what may be saved."""

from django import forms

from messaging.models import Extension, InboundRule, OutboundRule, SmsConfiguration, Trunk
from messaging.services.configuration import rule_formats as formats
from messaging.services.configuration import rules as service
from portal.forms import checked

ORDER_HELP = "Lower goes first. Empty: after the last rule. Move up / Move down on the rules page renumber 10, 20, 30…"


class _RuleForm(forms.Form):
    """Shared by both forms: extensions by number, the order and the tenant's querysets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extensions = self.fields["extensions"]
        extensions.queryset = Extension.objects.order_by("number")
        extensions.label_from_instance = lambda extension: str(extension)
        extensions.widget.attrs["size"] = min(max(extensions.queryset.count(), 4), 12)

    def clean_extensions(self) -> list[str]:
        return [extension.number for extension in self.cleaned_data["extensions"]]


class OutboundRuleForm(_RuleForm):
    name = forms.CharField(max_length=service.NAME_MAX_LENGTH)
    extensions = forms.ModelMultipleChoiceField(
        queryset=Extension.objects.none(), to_field_name="number", required=False,
        help_text="The extensions this rule lets send (Ctrl or ⌘ to choose several). None chosen: every extension.",
    )
    destination_prefix = forms.CharField(
        required=False, max_length=24,
        help_text="+ and digits, for example <code>+1</code> or <code>+1919</code>. Empty: any destination.",
    )
    destination_length = forms.IntegerField(
        required=False,
        help_text="Optional: how many digits follow the +, from 8 to 15 (11 for US numbers). Empty: any length.",
    )
    sms_configuration = forms.ModelChoiceField(
        label="SMS configuration", queryset=SmsConfiguration.objects.none(),
        empty_label="Choose an SMS configuration", help_text="The Bandwidth application the messages go through.",
    )
    sender = forms.ChoiceField(
        choices=OutboundRule.Sender.choices, initial=OutboundRule.Sender.CONFIGURATION, widget=forms.RadioSelect,
        help_text="The number the recipient sees. The configuration's Sender ID is its trunk's DID when it has none.",
    )
    order = forms.IntegerField(required=False, min_value=0, max_value=service.ORDER_MAX, help_text=ORDER_HELP)
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sms_configuration"].queryset = SmsConfiguration.objects.select_related("trunk").order_by("name")

    def clean_destination_prefix(self) -> str:
        return checked(formats.normalise_destination_prefix, self.cleaned_data["destination_prefix"])

    def clean_destination_length(self) -> int | None:
        return checked(formats.check_destination_length, self.cleaned_data["destination_length"])


class InboundRuleForm(_RuleForm):
    name = forms.CharField(max_length=service.NAME_MAX_LENGTH)
    trunk = forms.ModelChoiceField(
        queryset=Trunk.objects.none(), empty_label="Choose a trunk", help_text="The trunk the messages arrive on."
    )
    did = forms.CharField(
        label="DID or DID range", max_length=40,
        help_text="One DID, <code>+19195550100</code>, or a range, <code>+19195550100-+19195550199</code> "
        "(ascending, both ends with the same number of digits). It must hold at least one of the trunk's DIDs.",
    )
    caller_mask = forms.CharField(
        label="Caller number mask", required=False, max_length=40,
        help_text="Optional; empty: any caller. One number, a range <code>+19195550100-+19195550199</code>, or "
        "a wildcard such as <code>+1919*******</code> where each <code>*</code> is exactly one digit.",
    )
    enabled = forms.BooleanField(required=False, initial=True)
    extensions = forms.ModelMultipleChoiceField(
        label="Destination extensions", queryset=Extension.objects.none(), to_field_name="number",
        help_text="Where the messages go (Ctrl or ⌘ to choose several); at least one.",
    )
    order = forms.IntegerField(required=False, min_value=0, max_value=service.ORDER_MAX, help_text=ORDER_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trunk"].queryset = Trunk.objects.order_by("name")

    def clean_did(self) -> str:
        return formats.format_did(*checked(formats.parse_did, self.cleaned_data["did"]))

    def clean_caller_mask(self) -> str:
        return checked(formats.normalise_caller_mask, self.cleaned_data["caller_mask"])


def outbound_rule_initial(rule: OutboundRule) -> dict:
    """The edit form's starting values."""
    return {
        "name": rule.name, "extensions": [extension.number for extension in rule.extensions.all()],
        "destination_prefix": rule.destination_prefix, "destination_length": rule.destination_length,
        "sms_configuration": rule.sms_configuration_id, "sender": rule.sender, "order": rule.order,
        "enabled": rule.enabled,
    }


def inbound_rule_initial(rule: InboundRule) -> dict:
    """The edit form's starting values; the DID range written the way the form reads it."""
    return {
        "name": rule.name, "trunk": rule.trunk_id, "did": formats.format_did(rule.did_start, rule.did_end),
        "caller_mask": rule.caller_mask, "enabled": rule.enabled,
        "extensions": [extension.number for extension in rule.extensions.all()], "order": rule.order,
    }
