"""A local stand-in for Bandwidth's Messaging API v2 and OAuth token endpoint (demos, browser tests,
benchmarks). It runs as its own process (`manage.py bandwidth_simulator`) or embedded in a test
(`Simulator(config).start()`); production never starts it. See docs/simulator.md.

Modules: core (the Simulator), server (HTTP and routes), bandwidth_api (Bandwidth's endpoints),
admin_api (/simulator/...), state, faults, callbacks, inbound, shapes (Bandwidth's JSON), page (HTML).
"""

from devtools.simulator.config import SimulatorConfig
from devtools.simulator.core import Simulator
from devtools.simulator.inbound import InjectError, sample_png

__all__ = ["InjectError", "Simulator", "SimulatorConfig", "sample_png"]
