"""MMS_ALLOWED_TYPES: by default exactly the types Bandwidth's media upload accepts; an operator may narrow
the list, and a type outside Bandwidth's list stops start-up with a message naming it."""

import json
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
# Bandwidth's list, copied from its OpenAPI spec (source named in the file's header).
SPEC_TYPES = [line for line in (ROOT / "tests/fixtures/bandwidth/upload-media-types.txt").read_text().splitlines()
              if line and not line.startswith("#")]


def settings_with(monkeypatch, value: str | None) -> dict:
    """portal/settings.py evaluated afresh with MMS_ALLOWED_TYPES set to `value` (None: unset)."""
    if value is None:
        monkeypatch.delenv("MMS_ALLOWED_TYPES", raising=False)
    else:
        monkeypatch.setenv("MMS_ALLOWED_TYPES", value)
    return runpy.run_path(str(ROOT / "portal" / "settings.py"))


ACTIVE_CONTENT = {"text/html", "application/javascript", "text/javascript", "image/svg+xml", "application/xml",
                  "text/xml", "text/vnd.wap.wml"}


def test_default_is_bandwidths_upload_list_without_what_a_browser_would_run(monkeypatch):
    assert len(SPEC_TYPES) == 48
    assert settings_with(monkeypatch, None)["MMS_ALLOWED_TYPES"] == [t for t in SPEC_TYPES if t not in ACTIVE_CONTENT]


def test_an_operator_may_still_allow_any_type_of_bandwidths_list(monkeypatch):
    assert settings_with(monkeypatch, "image/jpeg,text/html")["MMS_ALLOWED_TYPES"] == ["image/jpeg", "text/html"]


def test_the_table_is_bandwidths_upload_list(monkeypatch):
    table = json.loads((ROOT / "messaging/bandwidth/media_types.json").read_text())
    assert table["types"] == SPEC_TYPES and "bandwidth.yml" in table["source"]["url"] and table["source"]["read"]
    assert not {"video/3gpp", "text/x-vcard", "application/octet-stream"} & set(settings.MMS_ALLOWED_TYPES)


def test_an_operator_may_narrow_the_list(monkeypatch):
    assert settings_with(monkeypatch, " image/JPEG, image/png,,image/png ")["MMS_ALLOWED_TYPES"] == [
        "image/jpeg", "image/png"]


@pytest.mark.parametrize("value", ["image/jpeg,video/3gpp", "text/x-vcard", "application/octet-stream"])
def test_a_type_bandwidth_does_not_accept_stops_start_up_naming_it(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured) as refused:
        settings_with(monkeypatch, value)
    bad = value.rsplit(",", 1)[-1]
    assert str(refused.value) == (
        f"MMS_ALLOWED_TYPES must be a comma-separated list of the media types Bandwidth's media upload accepts, "
        f"got {bad!r}")
