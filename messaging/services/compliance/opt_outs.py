"""The opt-out list: administrators add, remove and import (CSV) the remote numbers that may not be sent to
from the tenant's numbers. STOP keywords write the same rows (messaging/services/inbound/process.py); the
outbound services refuse any pair on the list.

Adding is idempotent: a pair already on the list stays as it is (its first who and when are kept). Removing
leaves an entry in the tenant's audit log, because the opt-out row, the only record of the consent, is gone.
"""

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from messaging.exceptions import OptOutInvalid
from messaging.models import AuditEntry, OptOut, PhoneNumber
from messaging.numbers import InvalidNumber, to_e164
from messaging.services.configuration.audit import record_change, snapshot

# A CSV of 10,000 lines is about 350 kB: 1 MiB leaves room for extra columns, and keeps one import (checked
# whole before anything is written, in one transaction) short.
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 10_000
ALL_NUMBERS = "*"
MAX_LINE_ERRORS = 50  # past this the report says how many more: a wrong file should not answer 10,000 lines


@dataclass(frozen=True)
class ImportResult:
    rows: int  # opt-out pairs in the file, after "*" was expanded and repeats dropped
    added: int  # of those, the ones that were not on the list yet


def add_opt_out(*, user, number: str, remote_number: str, source: str = OptOut.Source.MANUAL) -> tuple[OptOut, bool]:
    """Put the pair on the list; (opt-out, created). An existing pair is returned unchanged.

    Raises OptOutInvalid (field "number" or "remote_number") for a bad number or one the tenant does not have.
    """
    errors = {}
    try:
        number = _tenant_number(number)
    except OptOutInvalid as exc:
        errors["number"] = [exc.message]
    try:
        remote_number = _remote_number(remote_number)
    except OptOutInvalid as exc:
        errors["remote_number"] = [exc.message]
    if errors:
        raise OptOutInvalid(fields=errors)
    with transaction.atomic():
        opt_out, created = OptOut.objects.get_or_create(
            number=number, remote_number=remote_number,
            defaults={"source": source, "added_by": _user_or_none(user)},
        )
        if created:
            record_change(user=user, action=AuditEntry.Action.CREATE, instance=opt_out,
                          changes={"remote_number": [None, remote_number], "number": [None, number],
                                   "source": [None, source]})
    return opt_out, created


def remove_opt_out(*, user, opt_out: OptOut) -> None:
    """Take the pair off the list (the person opted in by other means): sends to it are allowed again.

    The audit entry keeps what was removed (who added it, how and when) and who removed it.
    """
    with transaction.atomic():
        before = snapshot(opt_out)
        before["created_at"] = opt_out.created_at.isoformat() if opt_out.created_at else None
        record_change(user=user, action=AuditEntry.Action.DELETE, instance=opt_out,
                      changes={name: [value, None] for name, value in before.items()})
        opt_out.delete()


def import_opt_outs(*, user, data: bytes) -> ImportResult:
    """Add every pair of a CSV file (header `number,remote_number`; other columns are ignored) as source
    "import". `number` is one of the tenant's numbers in any format, or `*` or empty for all of them.

    All or nothing: every line is checked first; any bad line raises OptOutInvalid whose fields["file"] lists
    the bad lines by number, and nothing is written. Pairs already on the list are not errors.
    """
    pairs = _parse_csv(data)
    with transaction.atomic():
        before = OptOut.objects.count()
        OptOut.objects.bulk_create(
            [OptOut(number=number, remote_number=remote, source=OptOut.Source.IMPORT, added_by=_user_or_none(user))
             for number, remote in pairs],
            ignore_conflicts=True, batch_size=1000,
        )
        added = OptOut.objects.count() - before
        # One entry for the file, not one per line: an import of 10,000 numbers is one act of one person.
        AuditEntry.objects.create(
            user=_user_or_none(user), action=AuditEntry.Action.ACTION, object_type=OptOut._meta.verbose_name,
            object_repr=f"CSV import: {added} added, {len(pairs) - added} already on the list",
            changes={"rows": len(pairs), "added": added},
        )
    return ImportResult(rows=len(pairs), added=added)


def _parse_csv(data: bytes) -> list[tuple[str, str]]:
    if len(data) > MAX_IMPORT_BYTES:
        raise _file_error(f"The file is larger than {MAX_IMPORT_BYTES // 1024} kB: split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error("The file is not UTF-8 text: save it as CSV (UTF-8).") from None
    reader = csv.reader(io.StringIO(text.replace("\x00", "")))
    try:
        header = next(reader, None)
        columns = [name.strip().lower() for name in header or []]
        if "number" not in columns or "remote_number" not in columns:
            raise _file_error("Line 1: the header must name the columns number and remote_number.")
        at_number, at_remote = columns.index("number"), columns.index("remote_number")
        pairs, errors = _read_rows(reader, at_number, at_remote)
    except csv.Error as exc:
        raise _file_error(f"Line {reader.line_num}: not CSV ({exc}).") from None
    if errors:
        more = len(errors) - MAX_LINE_ERRORS
        listed = errors[:MAX_LINE_ERRORS] + ([f"… and {more} more bad lines."] if more > 0 else [])
        raise OptOutInvalid(f"{len(errors)} bad line{'s' if len(errors) != 1 else ''}: nothing was imported.",
                            fields={"file": listed})
    if not pairs:
        raise _file_error("The file has no opt-outs under its header.")
    return pairs


def _read_rows(reader, at_number: int, at_remote: int) -> tuple[list[tuple[str, str]], list[str]]:
    all_numbers = list(PhoneNumber.objects.order_by("number").values_list("number", flat=True))
    known = set(all_numbers)
    pairs: dict[tuple[str, str], None] = {}  # ordered and without repeats
    errors = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        if len(pairs) >= MAX_IMPORT_ROWS:
            raise _file_error(f"Line {line}: more than {MAX_IMPORT_ROWS} opt-outs in one file: split it.")
        cells = row + [""] * (max(at_number, at_remote) + 1 - len(row))
        try:
            remote = _remote_number(cells[at_remote])
            ours = _tenant_numbers(cells[at_number], known=known, all_numbers=all_numbers)
        except OptOutInvalid as exc:
            errors.append(f"Line {line}: {exc.message}")
            continue
        pairs.update(((number, remote), None) for number in ours)
    return list(pairs), errors


def _tenant_numbers(text: str, *, known: set[str], all_numbers: list[str]) -> list[str]:
    if text.strip() in ("", ALL_NUMBERS):
        if not all_numbers:
            raise OptOutInvalid("this tenant has no numbers yet (add them on Trunks).")
        return all_numbers
    return [_tenant_number(text, known=known)]


def _tenant_number(text: str, *, known: set[str] | None = None) -> str:
    try:
        number = to_e164(text)
    except InvalidNumber as exc:
        raise OptOutInvalid(str(exc)) from None
    exists = number in known if known is not None else PhoneNumber.objects.filter(number=number).exists()
    if not exists:
        raise OptOutInvalid(f"{number} is not one of this tenant's numbers.")
    return number


def _remote_number(text: str) -> str:
    try:
        return to_e164(text)
    except InvalidNumber as exc:
        raise OptOutInvalid(str(exc)) from None


def _file_error(message: str) -> OptOutInvalid:
    return OptOutInvalid(message, fields={"file": [message]})


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None
