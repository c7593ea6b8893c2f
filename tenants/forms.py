from django import forms

from tenants.services import SLUG_MAX_LENGTH


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
