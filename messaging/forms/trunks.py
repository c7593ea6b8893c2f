"""The trunk add/edit form. DIDs are typed one per line: `number [status [campaign ID]]`."""

import re

from django import forms
from django.core.exceptions import ValidationError

from messaging.models import PhoneNumber, Trunk
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.configuration.trunks import NumberEntry, normalise_host
from portal.forms import checked

TenDlc = PhoneNumber.TenDlcStatus
STATUS_WORDS = {
    "registered": TenDlc.REGISTERED,
    "pending": TenDlc.PENDING,
    "not_registered": TenDlc.NOT_REGISTERED,
    "unregistered": TenDlc.NOT_REGISTERED,
    "not_applicable": TenDlc.NOT_APPLICABLE,
    "n/a": TenDlc.NOT_APPLICABLE,
}
# "not registered" and "not-registered" are one status word, not a status and a campaign ID.
TWO_WORD_STATUS = re.compile(r"\bnot[\s_-]+(registered|applicable)\b", re.IGNORECASE)
NUMBER_PART = re.compile(r"^[+\d().-]+$")

NUMBERS_HELP = (
    "One DID per line, optionally followed by its 10DLC status and campaign ID, for example "
    "<code>+19195550100 registered CABC123</code> or <code>(919) 555-0101 pending</code>. "
    "Statuses: <code>registered</code>, <code>pending</code>, <code>not registered</code>, "
    "<code>not applicable</code>. Numbers are stored in E.164 (+19195550100). Without a status, a new US "
    "long code is <em>not registered</em> and any other number <em>not applicable</em>; a number the trunk "
    "already has keeps its status."
)


class TrunkForm(forms.Form):
    name = forms.CharField(max_length=Trunk._meta.get_field("name").max_length)
    host = forms.CharField(
        label="SIP host or IP addresses",
        max_length=Trunk._meta.get_field("host").max_length,
        help_text="Bandwidth's SIP host name (sip.example.com), or the IP addresses Bandwidth sends from, "
        "separated by commas (IPv4 or IPv6).",
    )
    enabled = forms.BooleanField(required=False, initial=True)
    numbers = forms.CharField(
        label="DIDs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=NUMBERS_HELP,
    )

    def clean_host(self) -> str:
        return checked(normalise_host, self.cleaned_data["host"])

    def clean_numbers(self) -> list[NumberEntry]:
        return parse_number_lines(self.cleaned_data["numbers"])


def trunk_initial(trunk: Trunk) -> dict:
    """The edit form's starting values, DIDs written back in the format the form reads."""
    lines = [
        " ".join(part for part in (number.number, number.ten_dlc_status, number.campaign_id) if part)
        for number in trunk.numbers.all()
    ]
    return {"name": trunk.name, "host": trunk.host, "enabled": trunk.enabled, "numbers": "\n".join(lines)}


def parse_number_lines(text: str) -> list[NumberEntry]:
    """`+19195550100 registered CABC123` per line → NumberEntry; blank lines are skipped.

    Raises ValidationError with one message per offending line, each starting "Line N:".
    """
    entries: list[NumberEntry] = []
    errors: list[str] = []
    first_line_of: dict[str, int] = {}
    for line_no, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = _parse_line(line)
        except ValidationError as exc:
            errors.append(f"Line {line_no}: {exc.messages[0]}")
            continue
        if entry.number in first_line_of:
            errors.append(f"Line {line_no}: {entry.number} is already on line {first_line_of[entry.number]}.")
            continue
        first_line_of[entry.number] = line_no
        entries.append(entry)
    if errors:
        raise ValidationError(errors)
    return entries


def _parse_line(line: str) -> NumberEntry:
    words = TWO_WORD_STATUS.sub(lambda match: f"not_{match.group(1).lower()}", line).split()
    count = 0
    while count < len(words) and NUMBER_PART.match(words[count]):
        count += 1
    number_text, rest = " ".join(words[:count]), words[count:]
    if not number_text:
        raise ValidationError(f"start with the phone number, not “{words[0]}”.")
    try:
        number = to_e164(number_text)
    except InvalidNumber as exc:
        raise ValidationError(str(exc)) from exc
    if not rest:
        return NumberEntry(number=number)
    status = STATUS_WORDS.get(rest[0].lower())
    if status is None:
        raise ValidationError(
            f"“{rest[0]}” is not a 10DLC status (registered, pending, not registered or not applicable)."
        )
    if len(rest) > 2:
        extra = " ".join(rest[2:])
        raise ValidationError(f"expected a number, a status and a campaign ID, then nothing more: “{extra}”.")
    # A status without a campaign clears the campaign: the line says everything about the number.
    return NumberEntry(number=number, ten_dlc_status=status, campaign_id=rest[1] if len(rest) == 2 else "")
