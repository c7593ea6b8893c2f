"""add_opt_out, remove_opt_out, import_opt_outs: who and how are kept, removals are audited, a CSV import is
all or nothing with each bad line named, and repeats are not errors."""

import pytest

from messaging.exceptions import OptOutInvalid
from messaging.models import AuditEntry, OptOut
from messaging.selectors.opt_outs import list_opt_outs
from messaging.services.compliance import opt_outs
from tests.messaging.factories import DID, OTHER_DID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("acme_schema", "second_did")]

REMOTE = "+19195550199"


def pairs() -> set[tuple[str, str]]:
    return set(OptOut.objects.values_list("number", "remote_number"))


def test_add_stores_e164_with_who_and_how_and_audits(admin_a):
    opt_out, created = opt_outs.add_opt_out(user=admin_a, number="(919) 555-0100", remote_number="919 555 0199")
    assert created
    assert (opt_out.number, opt_out.remote_number, opt_out.source, opt_out.added_by) == (DID, REMOTE, "manual",
                                                                                         admin_a)
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.changes["remote_number"]) == (admin_a, "create", [None, REMOTE])


def test_adding_a_pair_already_listed_keeps_the_first_who_and_how(admin_a, admin_b):
    OptOut.objects.create(number=DID, remote_number=REMOTE, keyword="STOP")
    opt_out, created = opt_outs.add_opt_out(user=admin_b, number=DID, remote_number=REMOTE, source="api")
    assert not created
    assert (opt_out.source, opt_out.keyword, opt_out.added_by) == ("keyword", "STOP", None)
    assert OptOut.objects.count() == 1 and not AuditEntry.objects.exists()


def test_add_refuses_a_number_the_tenant_does_not_have_and_a_bad_remote_number(admin_a):
    with pytest.raises(OptOutInvalid) as refused:
        opt_outs.add_opt_out(user=admin_a, number="+19195550177", remote_number="12345")
    assert refused.value.fields["number"] == ["+19195550177 is not one of this tenant's numbers."]
    assert "not a valid phone number" in refused.value.fields["remote_number"][0]
    assert not OptOut.objects.exists()


def test_remove_deletes_and_the_audit_log_keeps_who_added_it_and_who_removed_it(admin_a, admin_b):
    opt_out, _ = opt_outs.add_opt_out(user=admin_a, number=DID, remote_number=REMOTE)
    opt_outs.remove_opt_out(user=admin_b, opt_out=opt_out)
    assert not OptOut.objects.exists()
    entry = AuditEntry.objects.get(action="delete")
    assert entry.user == admin_b
    assert entry.changes["remote_number"] == [REMOTE, None]
    assert entry.changes["added_by"] == [admin_a.pk, None]
    assert entry.changes["source"] == ["manual", None]
    assert entry.changes["created_at"][0] == opt_out.created_at.isoformat()


def test_import_adds_every_pair_and_star_or_blank_means_all_our_numbers(admin_a):
    data = (b"remote_number,number,name\n"
            b"+19195550199,(919) 555-0100,Ann\n"
            b"919-555-0198,*,Bob\n"
            b"\n"
            b"+19195550197,,Cy\n")
    result = opt_outs.import_opt_outs(user=admin_a, data=data)
    assert pairs() == {(DID, REMOTE), (DID, "+19195550198"), (OTHER_DID, "+19195550198"),
                       (DID, "+19195550197"), (OTHER_DID, "+19195550197")}
    assert (result.rows, result.added) == (5, 5)
    assert set(OptOut.objects.values_list("source", "added_by")) == {("import", admin_a.pk)}
    assert AuditEntry.objects.get().changes == {"rows": 5, "added": 5}


def test_import_again_is_not_an_error_and_adds_nothing(admin_a):
    data = b"number,remote_number\n+19195550100,+19195550199\n+19195550100,+19195550199\n"
    OptOut.objects.create(number=DID, remote_number=REMOTE, keyword="STOP")
    result = opt_outs.import_opt_outs(user=admin_a, data=data)
    assert (result.rows, result.added) == (1, 0)
    assert OptOut.objects.get().source == "keyword"


def test_one_bad_line_imports_nothing_and_every_bad_line_is_named(admin_a):
    data = (b"number,remote_number\n"
            b"+19195550100,+19195550199\n"
            b"+19195550177,+19195550198\n"
            b"+19195550100,12345\n"
            b"+19195550101,+19195550196\n")
    with pytest.raises(OptOutInvalid) as refused:
        opt_outs.import_opt_outs(user=admin_a, data=data)
    assert refused.value.message == "2 bad lines: nothing was imported."
    assert refused.value.fields["file"][0] == "Line 3: +19195550177 is not one of this tenant's numbers."
    assert refused.value.fields["file"][1].startswith("Line 4: “12345” is not a valid phone number")
    assert not OptOut.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(("data", "fragment"), [
    (b"phone\n+19195550199\n", "Line 1: the header must name the columns number and remote_number."),
    (b"", "Line 1: the header must name"),
    (b"number,remote_number\n", "no opt-outs under its header"),
    (b"number,remote_number\n\xff\xfe,\n", "not UTF-8"),
    (b"number,remote_number\n" + b"*,+19195550199\n" * 20 + b"x" * opt_outs.MAX_IMPORT_BYTES, "larger than 1024 kB"),
])
def test_a_file_that_is_not_an_opt_out_csv_is_refused_whole(admin_a, data, fragment):
    with pytest.raises(OptOutInvalid) as refused:
        opt_outs.import_opt_outs(user=admin_a, data=data)
    assert fragment in refused.value.fields["file"][0]
    assert not OptOut.objects.exists()


def test_more_rows_than_the_limit_are_refused(admin_a, monkeypatch):
    monkeypatch.setattr(opt_outs, "MAX_IMPORT_ROWS", 2)
    data = b"number,remote_number\n*,+19195550199\n+19195550100,+19195550198\n"
    with pytest.raises(OptOutInvalid) as refused:
        opt_outs.import_opt_outs(user=admin_a, data=data)
    assert refused.value.fields["file"] == ["Line 3: more than 2 opt-outs in one file: split it."]


def test_search_finds_a_number_in_any_format_on_either_side(admin_a):
    opt_outs.import_opt_outs(user=admin_a, data=b"number,remote_number\n+19195550100,+19195550199\n"
                                                 b"+19195550101,+14155550123\n")
    assert [o.remote_number for o in list_opt_outs(q="(415) 555-0123")] == ["+14155550123"]
    assert [o.remote_number for o in list_opt_outs(q="0101")] == ["+14155550123"]
    assert len(list_opt_outs(q="919")) == 2
    assert not list_opt_outs(q="abc").exists()
