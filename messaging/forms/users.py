"""The user add/edit form: formats only; the service decides who may be saved."""

from django import forms
from django.db.models.functions import Length

from messaging.models import Extension
from tenants.models import Membership


class UserForm(forms.Form):
    username = forms.CharField(
        max_length=150, help_text="A new user, or an existing one's username to give it access to this tenant."
    )
    email = forms.CharField(required=False, max_length=254)
    password = forms.CharField(
        required=False, strip=False, max_length=128, widget=forms.PasswordInput(render_value=False),
        help_text="Required for a new user. When editing, leave empty to keep the password.",
    )
    role = forms.ChoiceField(
        choices=Membership.Role.choices, initial=Membership.Role.EXTENSION, widget=forms.RadioSelect,
        help_text="An administrator manages everything of the tenant; an extension user reads and answers the "
        "messages of its extensions.",
    )
    extensions = forms.ModelMultipleChoiceField(
        required=False, queryset=Extension.objects.none(), to_field_name="number",
        widget=forms.CheckboxSelectMultiple, help_text="The extensions an extension user serves.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extensions"].queryset = Extension.objects.order_by(Length("number"), "number")
        if editing:
            del self.fields["username"]

    def clean_extensions(self) -> list[str]:
        return [extension.number for extension in self.cleaned_data["extensions"]]
