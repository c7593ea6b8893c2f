"""`python -m devtools.simulator [options]`: the bandwidth_simulator command without the portal's settings
(no DATABASE_URL, SECRET_KEY or Redis needed). Same options as `manage.py bandwidth_simulator`."""

import sys

from django.conf import settings

if not settings.configured:
    settings.configure()

from devtools.management.commands.bandwidth_simulator import Command  # noqa: E402 - needs settings first

Command().run_from_argv(["python -m devtools.simulator", "bandwidth_simulator", *sys.argv[1:]])
