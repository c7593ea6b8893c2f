"""The runtime packages' source files, parsed: what the architecture tests read."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("portal", "tenants", "messaging", "accounts")


def module_name(path: Path) -> str:
    """`messaging/services/outbound/deliver.py` -> `messaging.services.outbound.deliver`; a package's
    `__init__.py` is the package itself."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def runtime_modules() -> Iterator[tuple[str, Path, ast.Module]]:
    """(module name, path, syntax tree) of every .py file of the runtime packages, migrations included."""
    for package in RUNTIME_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path), path, ast.parse(path.read_text(), filename=str(path))
