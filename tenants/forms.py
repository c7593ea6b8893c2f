from django import forms

from tenants.services import SLUG_MAX_LENGTH
from tenants.time_zones import zone_choices


class TenantCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The company's name as your staff knows it.")
    slug = forms.CharField(
        max_length=SLUG_MAX_LENGTH,
        help_text="Lowercase letters, digits and hyphens. The tenant's pages live at /t/<slug>/.",
    )
    admin_username = forms.CharField(
        label="Administrator username", required=False, max_length=150,
        help_text="Optional: creates the tenant's first administrator.",
    )
    admin_email = forms.EmailField(label="Administrator e-mail", required=False)
    admin_password = forms.CharField(
        label="Administrator password", required=False, widget=forms.PasswordInput(render_value=False),
        help_text="At least 10 characters, not a common password.",
    )


class TenantAdminForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="An existing user is linked; a new one is created.")
    email = forms.EmailField(required=False)
    password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False),
        help_text="Needed only for a new user.",
    )


def _zones_with(blank_label: str):
    return lambda: [("", blank_label), *zone_choices()]


def _days(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=36500, help_text=help_text)


class TenantSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        required=False, help_text="Times on this tenant's screens; each user may still choose their own.",
    )
    retention_payload_days = _days(
        "Keep webhook callbacks (days)",
        "Handled Bandwidth callbacks are deleted after this many days (at least 2; 0 keeps them). Blank: default.",
    )
    retention_media_days = _days(
        "Keep MMS attachments (days)",
        "Attachment files are removed after this many days (0 keeps them). Blank: default.",
    )
    retention_message_days = _days(
        "Keep messages (days)", "Messages are deleted after this many days (0 keeps them). Blank: default.",
    )

    def __init__(self, *args, default_zone: str, defaults: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zones_with(f"Portal default ({default_zone})")
        for name, days in defaults.items():
            self.fields[name].widget.attrs["placeholder"] = f"default: {days or 'keep'}"


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        required=False, label="My time zone",
        help_text="Times on every screen you see. Blank: the zone of the tenant you are in.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zones_with("The tenant's time zone")
