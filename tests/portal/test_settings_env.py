"""A bad value in the environment stops start-up with a message naming the variable and the value."""

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_choice, env_date, env_float, env_int, env_list, env_path, env_str, required

NAME = "PORTAL_TEST_SETTING"


@pytest.fixture
def env(monkeypatch):
    def set_to(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(NAME, raising=False)
        else:
            monkeypatch.setenv(NAME, value)

    return set_to


def refused(read) -> str:
    with pytest.raises(ImproperlyConfigured) as error:
        read()
    return str(error.value)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_or_empty_gives_the_default(env, value):
    env(value)
    assert env_str(NAME, "d") == "d"
    assert env_bool(NAME, True) is True
    assert env_int(NAME, 7) == 7
    assert env_float(NAME, 1.5) == 1.5
    assert env_date(NAME, date(2026, 12, 2)) == date(2026, 12, 2)
    assert env_list(NAME, "a, b") == ["a", "b"]
    assert env_choice(NAME, "INFO", ["INFO", "DEBUG"]) == "INFO"
    assert env_path(NAME, Path("/x")) == Path("/x")


def test_good_values_are_read_with_their_type(env):
    env(" 42 ")
    assert env_int(NAME, 0) == 42 and env_float(NAME, 0) == 42.0 and env_str(NAME) == "42"
    env("2027-01-31")
    assert env_date(NAME, date.today()) == date(2027, 1, 31)
    env("a.example, ,b.example,")
    assert env_list(NAME) == ["a.example", "b.example"]
    env("warning")
    assert env_choice(NAME, "INFO", ["INFO", "WARNING"]) == "WARNING"


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("TRUE", True), ("yes", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_booleans_take_the_usual_spellings(env, value, expected):
    env(value)
    assert env_bool(NAME, not expected) is expected


def test_a_number_that_is_not_one_is_named(env):
    env("fast")
    assert refused(lambda: env_float(NAME, 1.0)) == f"{NAME} must be a number, got 'fast'"
    assert refused(lambda: env_int(NAME, 1)) == f"{NAME} must be a whole number, got 'fast'"
    env("2.5")
    assert refused(lambda: env_int(NAME, 1)) == f"{NAME} must be a whole number, got '2.5'"
    env("nan")
    assert refused(lambda: env_float(NAME, 1.0)) == f"{NAME} must be a finite number, got 'nan'"


def test_numbers_out_of_range_are_named(env):
    env("0")
    assert refused(lambda: env_float(NAME, 1.0, above=0)) == f"{NAME} must be a number greater than 0, got '0'"
    assert refused(lambda: env_int(NAME, 5, minimum=1)) == f"{NAME} must be a whole number of at least 1, got '0'"


def test_a_boolean_that_is_not_one_is_named(env):
    env("ture")
    assert refused(lambda: env_bool(NAME)) == (
        f"{NAME} must be on or off (1/0, true/false, yes/no, on/off), got 'ture'")


def test_a_date_that_is_not_one_is_named(env):
    env("02/12/2026")
    assert refused(lambda: env_date(NAME, date.today())) == f"{NAME} must be a date as YYYY-MM-DD, got '02/12/2026'"


def test_a_choice_outside_the_list_is_named(env):
    env("LOUD")
    assert refused(lambda: env_choice(NAME, "INFO", ["INFO", "DEBUG"])) == (
        f"{NAME} must be one of INFO, DEBUG, got 'LOUD'")


def test_a_missing_required_value_is_named_and_a_secret_never_quoted(env, monkeypatch):
    monkeypatch.setenv("DEBUG", "0")
    env(None)
    assert refused(lambda: required(NAME, dev_default="dev")) == (
        f"The environment variable {NAME} is required when DEBUG is off. See README.md, section Configuration.")
    monkeypatch.setenv("DEBUG", "1")
    assert required(NAME, dev_default="dev") == "dev"
    env("s3cret")
    assert required(NAME) == "s3cret"


def test_settings_read_every_variable_through_the_helpers():
    """No bare os.environ reads (and int()/float() on them) are left in settings.py."""
    source = (Path(__file__).resolve().parents[2] / "portal" / "settings.py").read_text()
    assert "os.environ" not in source and "import os" not in source
