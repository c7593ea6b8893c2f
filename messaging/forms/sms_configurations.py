"""The SMS configuration add/edit form: formats only; services/configuration/sms_configurations.py checks
every rule (and the views show all its problems at once)."""

from django import forms

from messaging.models import SmsConfiguration, Trunk


class SmsConfigurationForm(forms.Form):
    name = forms.CharField(max_length=64, help_text="Up to 64 characters, unique in this tenant.")
    trunk = forms.ModelChoiceField(
        queryset=Trunk.objects.none(), empty_label="Choose a Bandwidth trunk",
        help_text="The Bandwidth IP-authentication trunk whose numbers send and receive.",
    )
    sender_id = forms.CharField(
        label="Sender ID", required=False, max_length=20,
        help_text="Optional. A number (E.164, e.g. +19195550100) or short code registered at Bandwidth, or an "
        "alphanumeric sender ID (up to 11 letters, digits, spaces or - + _ &, at least one letter) for "
        "destinations outside the US and Canada; nobody can reply to an alphanumeric sender ID. "
        "Empty: the trunk's DID is used.",
    )
    account_id = forms.CharField(
        label="Account ID", max_length=20,
        help_text="Bandwidth's account number (PortSIP calls it the User ID): digits only, usually 7, "
        "as shown in the Bandwidth App. Not the old “u-…” user ID.",
    )
    application_id = forms.CharField(
        label="Application ID", max_length=64,
        help_text="The messaging application's ID in the Bandwidth App (a UUID).",
    )
    auth_type = forms.ChoiceField(
        label="Authentication type", choices=SmsConfiguration.AuthType.choices,
        initial=SmsConfiguration.AuthType.OAUTH, widget=forms.RadioSelect,
    )
    username = forms.CharField(
        max_length=128,
        help_text="API credentials: the <strong>Client ID</strong>. Legacy API user: its username. "
        "Never your Bandwidth App sign-in.",
    )
    password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="API credentials: the <strong>Client Secret</strong>. Legacy API user: its password. "
        "Stored encrypted and never shown again.",
    )
    enabled = forms.BooleanField(
        label="Enable", required=False, initial=True,
        help_text="A disabled configuration sends nothing; callbacks to it are still stored and processed "
        "once it is enabled again.",
    )
    callback_username = forms.CharField(
        label="Callback username", required=False, max_length=64,
        help_text="Optional. Bandwidth sends these with every callback (set the same pair on the "
        "messaging application). Empty: callbacks are accepted without credentials.",
    )
    callback_password = forms.CharField(
        label="Callback password", required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    priority = forms.ChoiceField(
        label="Priority", required=False,
        choices=[("", "Bandwidth's default (not sent)"), *SmsConfiguration.Priority.choices],
        help_text="Sent to Bandwidth with every message. Keep “high” for critical messages only.",
    )
    expiration_minutes = forms.IntegerField(
        label="Expire after (minutes)", required=False, min_value=0,
        max_value=SmsConfiguration.EXPIRATION_MINUTES_MAX,
        help_text="Optional. Bandwidth drops a message not delivered this many minutes after it was queued "
        f"(at most {SmsConfiguration.EXPIRATION_MINUTES_MAX}, 7 days). Empty or 0: no expiration.",
    )

    def __init__(self, *args, instance: SmsConfiguration | None = None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "trunk": instance.trunk_id, "sender_id": instance.sender_id,
                "account_id": instance.account_id, "application_id": instance.application_id,
                "auth_type": instance.auth_type, "username": instance.username, "enabled": instance.enabled,
                "callback_username": instance.callback_username, "priority": instance.priority,
                "expiration_minutes": instance.expiration_minutes or None,
            }
        super().__init__(*args, **kwargs)
        self.fields["trunk"].queryset = Trunk.objects.prefetch_related("numbers").order_by("name")
        self.fields["trunk"].label_from_instance = lambda trunk: f"{trunk.name} ({trunk.host})"
        if instance is not None:
            self.fields["password"].help_text += " Leave blank to keep the stored one."
            self.fields["callback_password"].help_text = "Leave blank to keep the stored one."
        self.fields["auth_type"].help_text = SmsConfiguration.legacy_cutoff_notice()

    def clean_expiration_minutes(self) -> int:
        # Empty means none; the service takes 0 for that (None would mean "unchanged").
        return self.cleaned_data["expiration_minutes"] or 0


class ConnectLocationForm(forms.Form):
    """Connect to Bandwidth: the location (site and SIP peer) to assign the application to; both empty lets the
    service find the one holding the trunk's numbers. The service checks the IDs' format."""

    site_id = forms.CharField(label="Site ID", required=False, max_length=32,
                              help_text="The Bandwidth site (sub-account) ID, digits as the Bandwidth App shows it.")
    sip_peer_id = forms.CharField(label="SIP peer ID", required=False, max_length=32,
                                  help_text="The ID of the location (SIP peer) holding the trunk's numbers.")
