"""The Opt-outs screen's forms: search, add one pair, import a CSV file. Field formats only; the rules (a
valid number, one of the tenant's) are the service's."""

from django import forms

from messaging.models import PhoneNumber
from messaging.selectors.opt_outs import MAX_QUERY_LENGTH
from messaging.services.compliance.opt_outs import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS


class OptOutSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, label="Number",
                        widget=forms.TextInput(attrs={"placeholder": "Number or digits", "type": "search"}))


class OptOutForm(forms.Form):
    remote_number = forms.CharField(max_length=32, label="Remote number",
                                    help_text="The number that may not be sent to, in any format.")
    number = forms.ChoiceField(label="Our number", help_text="Sends from this number to it are refused.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [(n, n) for n in PhoneNumber.objects.order_by("number")
                                         .values_list("number", flat=True)]


class OptOutImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(f"UTF-8 CSV with the header <code>number,remote_number</code> (other columns are ignored). "
                   f"<code>number</code> is one of our numbers, or <code>*</code> or empty for all of them. "
                   f"At most {MAX_IMPORT_ROWS} opt-outs and {MAX_IMPORT_BYTES // 1024} kB; if any line is bad, "
                   f"nothing is imported and each bad line is listed."),
    )
