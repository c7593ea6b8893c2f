"""The portal's processes, defined once.

    python -m portal.processes web                 gunicorn with uvicorn workers (ASGI), the web server
    python -m portal.processes worker              the Celery worker (one or more)
    python -m portal.processes beat                Celery beat (exactly one)
    python -m portal.processes release             migrations, then the first administrator (each release)
    python -m portal.processes release web         release, then the web server (one host without compose)
    python -m portal.processes worker -c 4         further options go to the last process's command
    python -m portal.processes --show worker       print the command instead of running it

The Dockerfile, docker-compose.yml, docs/deployment.md (systemd), `make run` (devtools/launcher.py), the
benchmarks (bench/) and the tests that start real processes (tests/worker.py, tests/live_portal.py) all
start these, so what is measured and tested is what production runs. A table in Python rather than a
Procfile: it lives in the installed package (the image and a virtualenv have it, whatever the working
directory), its commands are argument lists (no shell, no quoting), and it runs Python's own
interpreter (`python -m gunicorn`, `python -m celery`), so a systemd unit needs no PATH.

What keeps these processes alive through a Redis or PostgreSQL restart is in the settings (portal/settings.py:
the broker's retry and timeout options, CONN_HEALTH_CHECKS), not in these command lines: an operator's
plain `celery -A portal worker -B` gets it too.

Before web, worker or beat starts, the system check of messaging/checks.py makes sure FIELD_ENCRYPTION_KEY
decrypts the stored secrets: a wrong key stops the start with the reason.

Variables read here: WEB_BIND (default 0.0.0.0:$PORT, PORT defaulting to 8000), LOG_LEVEL (Celery's
log level, INFO), WEB_THREADS (4: the web's DB_POOL_SIZE unless that is set), WEB_TIMEOUT (30),
WEB_GRACEFUL_TIMEOUT (30), WEB_KEEPALIVE (5), WEB_CONCURRENCY (gunicorn reads it itself: the number of web
worker processes), PROMETHEUS_MULTIPROC_DIR (the web's metrics files, emptied at each start; default a
folder of the system's temporary directory named after WEB_BIND).
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / ".data"
CREDENTIALS_FILE = DATA_DIR / "admin-credentials.txt"

# Each process: the commands it runs, in order; the last one replaces this process (exec), so signals
# (SIGTERM: gunicorn's graceful stop, Celery's warm shutdown) reach the server itself.
PROCESSES: dict[str, tuple[tuple[str, ...], ...]] = {
    # ASGI (uvicorn workers) so the live channel's open streams cost a coroutine each, not a worker.
    "web": (("-m", "gunicorn", "portal.asgi", "--worker-class", "portal.web_worker.PortalUvicornWorker",
             "--bind", "{WEB_BIND}", "--access-logfile", "-", "--timeout", "{WEB_TIMEOUT}",
             "--graceful-timeout", "{WEB_GRACEFUL_TIMEOUT}", "--keep-alive", "{WEB_KEEPALIVE}"),),
    # Gossip, mingle and event heartbeats serve monitoring tools this portal does not use; without them
    # an idle worker keeps no pub/sub traffic on Redis and starts a second sooner. Remote control
    # (`celery inspect ping`, the compose health check) stays on.
    "worker": (("-m", "celery", "-A", "portal", "worker", "-l", "{LOG_LEVEL}",
                "--without-gossip", "--without-mingle", "--without-heartbeat"),),
    # The schedule file is CELERY_BEAT_SCHEDULE_FILENAME (settings).
    "beat": (("-m", "celery", "-A", "portal", "beat", "-l", "{LOG_LEVEL}"),),
    # Both are safe to repeat on every start: they do nothing when there is nothing to do.
    "release": (("-m", "django", "migrate_schemas"),
                ("-m", "django", "bootstrap_portal", "--credentials-file", str(CREDENTIALS_FILE))),
}
# Settings a process gets unless the environment says otherwise: the web's connection pool, one connection per
# request it lets into Django at once (portal/asgi.py, WEB_THREADS).
DEFAULT_ENVIRONMENT: dict[str, dict[str, str]] = {"web": {"DB_POOL_SIZE": "{WEB_THREADS}"}}
NAMES = tuple(PROCESSES)
# The long-running processes: each checks first that FIELD_ENCRYPTION_KEY reads the stored secrets.
SERVING = ("web", "worker", "beat")


# gunicorn's timeouts, in seconds: a worker silent for WEB_TIMEOUT is restarted; on a stop, requests in flight
# get WEB_GRACEFUL_TIMEOUT to finish; an idle keep-alive connection from the proxy is held WEB_KEEPALIVE.
TIMEOUT_DEFAULTS = {"WEB_TIMEOUT": 30, "WEB_GRACEFUL_TIMEOUT": 30, "WEB_KEEPALIVE": 5}


def _seconds(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name) or str(TIMEOUT_DEFAULTS[name])
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of seconds, at least 1 (got {raw!r}).")
    return str(int(raw))


def _values(env: Mapping[str, str]) -> dict[str, str]:
    return {
        "WEB_BIND": env.get("WEB_BIND") or f"0.0.0.0:{env.get('PORT') or 8000}",
        "LOG_LEVEL": (env.get("LOG_LEVEL") or "INFO").upper(),
        "WEB_THREADS": env.get("WEB_THREADS") or "4",
        **{name: _seconds(env, name) for name in TIMEOUT_DEFAULTS},
    }


def commands(name: str, *extra: str, env: Mapping[str, str] | None = None,
             python: str = sys.executable) -> list[list[str]]:
    """The argument lists process `name` runs, in order; `extra` options are added to the last one.

    Raises KeyError for an unknown name."""
    values = _values(os.environ if env is None else env)
    argvs = [[python, *(part.format(**values) for part in argv)] for argv in PROCESSES[name]]
    argvs[-1] += extra
    return argvs


def command(name: str, *extra: str) -> list[str]:
    """`python -m portal.processes name *extra`: what a launcher, a benchmark or a test starts."""
    return [sys.executable, "-m", "portal.processes", name, *extra]


def _stored_secrets_problem() -> str | None:
    """The system checks tagged "encryption" (messaging/checks.py): FIELD_ENCRYPTION_KEY holds Fernet keys and
    decrypts the stored secrets. A wrong or malformed key stops the process here with one message naming it,
    instead of failing every send later. A database that cannot be reached is no reason to refuse: the
    process reconnects when it is back."""
    import django
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError, connections

    try:
        django.setup()
    except ImproperlyConfigured as exc:  # a bad setting, named by the settings
        return f"Refusing to start: {exc}"
    try:
        errors = [message for message in checks.run_checks(tags=["encryption"], databases=["default"])
                  if message.is_serious()]
    except DatabaseError as exc:
        print(f"Could not check the stored secrets (database: {exc.__class__.__name__}); starting anyway.",
              file=sys.stderr)
        return None
    finally:
        connections.close_all()
    if errors:
        return "Refusing to start: " + " ".join(
            f"{error.msg}." + (f" {error.hint}" if error.hint else "") for error in errors)
    return None


def prepare_metrics_dir(env: dict | os._Environ, bind: str) -> Path:
    """The web's gunicorn workers each write their metrics (the webhook's counts and latencies) into files of
    PROMETHEUS_MULTIPROC_DIR, which any one of them adds up for GET /metrics (portal/metrics.py). Set it
    (default: one folder per bind address in the temporary directory) and empty it: figures of processes of
    an earlier start would be counted again."""
    folder = Path(env.get("PROMETHEUS_MULTIPROC_DIR")
                  or Path(tempfile.gettempdir()) / ("portal-metrics-" + re.sub(r"[^A-Za-z0-9.-]", "_", bind)))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def main(argv: list[str]) -> int:
    show = argv[:1] == ["--show"]
    args = argv[1:] if show else argv
    names = []
    while args and args[0] in PROCESSES:
        names.append(args.pop(0))
    if not names:
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    planned = [argv for name in names[:-1] for argv in commands(name)] + commands(names[-1], *args)
    if show:
        print("\n".join(shlex.join(argv) for argv in planned))
        return 0
    if names[-1] in SERVING and (problem := _stored_secrets_problem()):
        print(problem, file=sys.stderr)
        return 1
    for argv in planned[:-1]:
        finished = subprocess.run(argv, check=False)
        if finished.returncode != 0:
            print(f"{shlex.join(argv)} failed (exit code {finished.returncode})", file=sys.stderr)
            return finished.returncode
    values = _values(os.environ)
    for variable, value in DEFAULT_ENVIRONMENT.get(names[-1], {}).items():
        os.environ.setdefault(variable, value.format(**values))
    if names[-1] == "web":
        prepare_metrics_dir(os.environ, values["WEB_BIND"])
    sys.stdout.flush()
    os.execv(planned[-1][0], planned[-1])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
