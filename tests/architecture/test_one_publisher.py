"""Exactly one module of the runtime packages hands work to the broker: messaging/dispatch.py.

Everything else queues through `dispatch.on_commit(...)` / `dispatch.now(...)`, which pin the tenant
schema, publish after commit and survive a broker outage (the row is kept, the sweeper sends it).
A direct publish elsewhere would skip all three.

Counted as a publish: any use of Celery's `apply_async`, `delay` or `send_task` attribute (a call, or a
reference kept for later), which also covers `signature(...).apply_async()` and canvas objects.
Allowed everywhere: a task's own `self.retry(...)`. It is Celery's API for "run me again later",
re-publishing the same task message from inside the worker, not a new piece of work handed over by us.
Allowed in portal/broker.py: the Celery app's own `send_task` override (whole-second delays on RabbitMQ),
which every publish, dispatch's included, passes through: it is the app, not another caller.
Not read: devtools/ (the Bandwidth simulator's `faults.delay()` is a simulated network delay, not Celery),
which is outside the runtime packages.
"""

import ast

from tests.architecture.sources import runtime_modules

PUBLISH = {"apply_async", "delay", "send_task"}
THE_PUBLISHER = "messaging.dispatch"
THE_APP = "portal.broker"  # the app's send_task override calls Celery's own


def publishers() -> dict[str, list[str]]:
    """Module -> ["line N: name", ...] for every use of a Celery publishing attribute."""
    found: dict[str, list[str]] = {}
    for module, _path, tree in runtime_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PUBLISH:
                found.setdefault(module, []).append(f"line {node.lineno}: .{node.attr}")
    return found


def test_dispatch_is_the_only_module_that_publishes():
    found = publishers()
    assert THE_PUBLISHER in found, "messaging/dispatch.py no longer publishes: update this test"
    others = {module: uses for module, uses in found.items() if module not in (THE_PUBLISHER, THE_APP)}
    assert not others, "publish through messaging.dispatch instead:\n" + "\n".join(
        f"{module}: {', '.join(uses)}" for module, uses in sorted(others.items())
    )
