"""The development launcher behind `make run` and `make test`.

    python -m devtools.launcher run                the portal's processes (web, worker, beat) and its services
    python -m devtools.launcher test [pytest args] the test suite

Both fill in what the environment leaves out: DEBUG=1, PORTAL_DEVTOOLS=1 (the development commands
of devtools/, see portal/settings.py), a SECRET_KEY and FIELD_ENCRYPTION_KEY kept in
.data/dev-secrets.env (so encrypted data stays readable across runs), and a database and Redis
(devtools/embedded_services.py). Everything it keeps lives in .data/, so the next run reuses it.

`run` starts web, worker and beat with the production commands (portal/processes.py: gunicorn and Celery,
as docker-compose and docs/deployment.md start them) and restarts any that dies, saying so.
"""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devtools import embedded_services
from portal import processes

BASE_DIR = embedded_services.BASE_DIR
DATA_DIR = embedded_services.DATA_DIR
SECRETS_FILE = DATA_DIR / "dev-secrets.env"
CREDENTIALS_FILE = processes.CREDENTIALS_FILE
HEALTH_TIMEOUT = 180
STOP_TIMEOUT = 10
# A child that dies is started again, unless it died this often within the window: then it cannot
# start (a port taken, a broken setting) and everything stops with its exit code.
RESTART_LIMIT, RESTART_WINDOW = 5, 60.0
# Tests get their own database index in the embedded Redis, so that a `make run` of the same clone
# (sharing that server) never sees their keys or Celery messages.
TEST_REDIS_DB = 1
# Development never mails anyone: `make run` writes each mail as a file here, tests keep them in memory.
MAIL_DIR = DATA_DIR / "mail"
FILE_MAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def say(message: str) -> None:
    print(f"[portal] {message}", flush=True)


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stop(signum, frame):
    # Only once: a second Ctrl-C must not cut the shutdown short and leave servers running.
    _ignore_signals()
    raise Stop(signal.Signals(signum).name)


def _ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class ChildDied(Exception):
    def __init__(self, child: "Child"):
        super().__init__(child.name)
        self.child = child


# --- environment --------------------------------------------------------------------------------------

def _read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _dev_secrets() -> None:
    missing = [name for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY") if not os.environ.get(name)]
    if not missing:
        return
    stored = _read_env_file(SECRETS_FILE)
    if "SECRET_KEY" not in stored or "FIELD_ENCRYPTION_KEY" not in stored:
        from cryptography.fernet import Fernet

        stored.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        stored.setdefault("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
        DATA_DIR.mkdir(exist_ok=True)
        fd = os.open(SECRETS_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("# Development secrets made by devtools/launcher.py. Losing FIELD_ENCRYPTION_KEY makes\n"
                     "# the stored credentials in .data/pg unreadable.\n")
            fh.writelines(f"{key}={value}\n" for key, value in stored.items())
        say(f"Generated a SECRET_KEY and FIELD_ENCRYPTION_KEY in {_rel(SECRETS_FILE)} (kept for later runs).")
    SECRETS_FILE.chmod(0o600)
    for name in missing:
        os.environ[name] = stored[name]


def _prepare(redis_db: int) -> embedded_services.Started:
    os.chdir(BASE_DIR)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("PORTAL_DEVTOOLS", "1")  # seed_demo and the simulator's commands
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    _dev_secrets()
    started = embedded_services.start(os.environ, say=say, redis_db=redis_db)
    say(f"Database: {_without_password(os.environ['DATABASE_URL'])}")
    say(f"Redis:    {_without_password(os.environ['REDIS_URL'])}")
    return started


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    return parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@", 1)).geturl()


def _rel(path: Path) -> str:
    return str(path.relative_to(BASE_DIR)) if path.is_relative_to(BASE_DIR) else str(path)


# --- test -----------------------------------------------------------------------------------------

def test(pytest_args: list[str]) -> int:
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    started = embedded_services.Started()
    try:
        started = _prepare(redis_db=TEST_REDIS_DB)
        os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
        say("Running: python -m pytest " + " ".join(pytest_args))
        # Same process group: Ctrl-C reaches pytest itself, which reports and exits; this process
        # waits for that, and forwards a SIGTERM. (Handlers, not SIG_IGN: pytest must start with the
        # default actions, and a handler is reset at exec while "ignore" is inherited.)
        pytest: subprocess.Popen | None = None

        def forward_sigterm(signum, frame):
            if pytest:
                pytest.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, lambda signum, frame: None)
        signal.signal(signal.SIGTERM, forward_sigterm)
        pytest = subprocess.Popen([sys.executable, "-m", "pytest", *pytest_args])
        status = pytest.wait()
    except Stop as stop:
        say(f"{stop} received before the tests began.")
        status = 130 if str(stop) == "SIGINT" else 143
    finally:
        _ignore_signals()
        embedded_services.stop(started, say=say)
    if status == 5 and os.environ.get("PORTAL_ALLOW_NO_TESTS") == "1":
        say("pytest collected no tests; PORTAL_ALLOW_NO_TESTS=1 counts that as a pass.")
        return 0
    return status


# --- run ------------------------------------------------------------------------------------------

@dataclass
class Child:
    """A process of `make run`. Its output reaches the terminal line by line, each line prefixed with `tag`,
    so the web server's, the worker's and beat's lines can be told apart."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    tag: str = ""
    process: subprocess.Popen | None = field(default=None, repr=False)
    relay: threading.Thread | None = field(default=None, repr=False)
    deaths: list[float] = field(default_factory=list, repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=os.environ | self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        prefix = f"{self.tag or self.name:>9} | ".encode()
        self.relay = threading.Thread(target=_relay, args=(self.process.stdout, prefix), daemon=True,
                                      name=f"output of {self.name}")
        self.relay.start()


def _relay(stream, prefix: bytes) -> None:
    """Copy a child's output to this terminal, a whole line at a time (lines of several children never mix)."""
    out = sys.stdout.buffer
    with stream:
        for line in stream:
            out.write(prefix + (line if line.endswith(b"\n") else line + b"\n"))
            out.flush()


DEMO_CREDENTIALS_FILE = DATA_DIR / "demo-credentials.txt"


def demo_mode() -> bool:
    """No real Bandwidth configured: run the local simulator and seed a demo tenant wired to it.

    Setting BANDWIDTH_MESSAGING_API_URL (a real or your own Bandwidth) or PORTAL_DEMO=0 turns it off.
    """
    return not os.environ.get("BANDWIDTH_MESSAGING_API_URL") and os.environ.get("PORTAL_DEMO", "1") != "0"


def extra_children(port: int, *, demo: bool) -> list[Child]:
    """Further processes of `make run`, started before the web server and the worker.

    In demo mode: the Bandwidth simulator, and the base URLs that point the web server and the worker
    at it (only the base URLs differ from a real deployment).
    """
    if not demo:
        return []
    sim_port = _free_port_from(int(os.environ.get("SIMULATOR_PORT", "9050")))
    sim = f"http://127.0.0.1:{sim_port}"
    os.environ["BANDWIDTH_MESSAGING_API_URL"] = f"{sim}/api/v2"
    os.environ["BANDWIDTH_OAUTH_TOKEN_URL"] = f"{sim}/api/v1/oauth2/token"
    os.environ["BANDWIDTH_DASHBOARD_API_URL"] = f"{sim}/api"
    os.environ["BANDWIDTH_ACCOUNT_API_URL"] = f"{sim}/api/v2"
    os.environ["PORTAL_SIMULATOR_URL"] = sim
    return [Child("Bandwidth simulator", [sys.executable, "-m", "devtools.simulator", "--port", str(sim_port),
                                          "--callback-delay-ms", "800", "--seed", "1"], tag="simulator")]


def _seed_demo() -> str:
    sim = os.environ["PORTAL_SIMULATOR_URL"]
    deadline = time.monotonic() + 30
    while not _healthy(f"{sim}/simulator/health"):
        if time.monotonic() > deadline:
            raise SystemExit(f"[portal] The Bandwidth simulator at {sim} did not answer within 30 s.")
        time.sleep(0.3)
    say("Seeding the demo tenant wired to the simulator (manage.py seed_demo)...")
    _manage("seed_demo", "--simulator", sim, "--credentials-file", str(DEMO_CREDENTIALS_FILE))
    creds = _read_env_file(DEMO_CREDENTIALS_FILE) if DEMO_CREDENTIALS_FILE.exists() else {}
    return (f"Demo: no Bandwidth account configured, so a local Bandwidth simulator runs at {sim}/simulator/ "
            f"(inject inbound SMS/MMS there). The demo tenant's admin is '{creds.get('username', 'demo-admin')}' "
            f"with password {creds.get('password', '(see ' + _rel(DEMO_CREDENTIALS_FILE) + ')')}.")


def _free_port_from(wanted: int) -> int:
    for candidate in range(wanted, wanted + 50):
        if _port_free(candidate):
            return candidate
    raise SystemExit(f"[portal] No free port in {wanted}..{wanted + 49} for the simulator.")


def _pick_port() -> int:
    wanted = int(os.environ.get("PORT", "8000"))
    for port in range(wanted, wanted + 50):
        if _port_free(port):
            if port != wanted:
                say(f"Port {wanted} is busy; using {port} instead.")
            return port
    raise SystemExit(f"[portal] No free port in {wanted}..{wanted + 49}; set PORT to another one.")


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        # runserver sets SO_REUSEADDR too: a connection in TIME_WAIT does not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _manage(*args: str) -> None:
    result = subprocess.run([sys.executable, "manage.py", *args], text=True)
    if result.returncode != 0:
        raise SystemExit(f"[portal] manage.py {args[0]} failed (exit code {result.returncode}).")


def _release() -> str:
    """`python -m portal.processes release` (migrations, the first administrator), as every deployment
    runs it; its output is shown as it comes and returned."""
    release = subprocess.Popen(processes.command("release"), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    lines = []
    for line in release.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    if release.wait() != 0:
        raise SystemExit(f"[portal] The release step (migrations, bootstrap_portal) failed "
                         f"(exit code {release.returncode}).")
    return "".join(lines)


def _mail_sink() -> str:
    """Mails (the Inbox's notifications) go into files in MAIL_DIR unless EMAIL_BACKEND says otherwise."""
    os.environ.setdefault("EMAIL_BACKEND", FILE_MAIL_BACKEND)
    os.environ.setdefault("EMAIL_FILE_PATH", str(MAIL_DIR))
    if os.environ["EMAIL_BACKEND"] != FILE_MAIL_BACKEND:
        return f"Mails: sent with EMAIL_BACKEND={os.environ['EMAIL_BACKEND']} (your setting)."
    folder = Path(os.environ["EMAIL_FILE_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    return f"Mails: {_rel(folder)}/ (one .log file per batch of mails; no mail leaves this machine)"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _dead(children: list[Child]) -> Child | None:
    return next((child for child in children if child.process and child.process.poll() is not None), None)


def _restart_dead(children: list[Child]) -> None:
    """Start again every child that died; ChildDied for one that keeps dying."""
    while dead := _dead(children):
        # Ctrl-C reaches the children too, and one may end before this process sees its own signal
        # (which then raises Stop here instead of a restart).
        time.sleep(0.5)
        now = time.monotonic()
        dead.deaths = [at for at in dead.deaths if now - at < RESTART_WINDOW] + [now]
        if len(dead.deaths) > RESTART_LIMIT:
            raise ChildDied(dead)
        say(f"The {dead.name} exited (exit code {dead.process.returncode}); restarting it.")
        dead.start()


def _stop_children(children: list[Child]) -> None:
    import psutil

    running = [child for child in children if child.process and child.process.poll() is None]
    if not running:
        return
    say("Stopping " + ", ".join(child.name for child in running) + "...")
    # Their own children (Celery's pool and beat) are collected first: after a SIGKILL of the parent
    # nobody would stop them.
    family = []
    for child in running:
        try:
            family += psutil.Process(child.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
        child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in running:
        try:
            child.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop within {STOP_TIMEOUT} s; killing it.")
            child.process.kill()
            child.process.wait()
    _, alive = psutil.wait_procs(family, timeout=max(0.1, deadline - time.monotonic()))
    for process in alive:
        process.kill()


def _sign_in_hint(bootstrap_output: str) -> str:
    first_run = "Created the system administrator" in bootstrap_output
    if first_run and CREDENTIALS_FILE.exists():
        creds = _read_env_file(CREDENTIALS_FILE)
        return (f"Sign in as '{creds.get('username')}' with password {creds.get('password')} "
                f"(shown once; also kept in {_rel(CREDENTIALS_FILE)}).")
    if CREDENTIALS_FILE.exists():
        return f"Sign in with the username and password in {_rel(CREDENTIALS_FILE)}."
    return "Sign in with your system administrator account (python manage.py createsuperuser makes one)."


def run() -> int:
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    started = embedded_services.Started()
    children: list[Child] = []
    status = 0
    try:
        started = _prepare(redis_db=0)
        say("Migrating every schema and making sure a system administrator exists "
            "(python -m portal.processes release)...")
        bootstrap = _release()

        port = _pick_port()
        base = f"http://127.0.0.1:{port}"
        os.environ.setdefault("PORTAL_BASE_URL", base)
        mail_hint = _mail_sink()
        demo = demo_mode()
        # The production commands (portal/processes.py); only the address differs.
        children = extra_children(port, demo=demo) + [
            Child("web server", processes.command("web"),
                  {"WEB_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2")},
                  tag="web"),
            Child("celery worker", processes.command("worker"), tag="worker"),
            Child("celery beat", processes.command("beat"), tag="beat"),
        ]
        for child in children:
            say(f"Starting the {child.name}: {' '.join(child.argv[1:])}")
            child.start()

        demo_hint = _seed_demo() if demo else ""
        say(f"Waiting for {base}/healthz to answer...")
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while not _healthy(f"{base}/healthz"):
            _restart_dead(children)
            if time.monotonic() > deadline:
                raise SystemExit(f"[portal] {base}/healthz did not answer 200 within {HEALTH_TIMEOUT} s.")
            time.sleep(0.5)

        print(flush=True)
        say(f"The portal is running at {base}/")
        say(mail_hint)
        say(_sign_in_hint(bootstrap))
        if demo_hint:
            say(demo_hint)
        say(f"API docs: {base}/api/docs/   Web server, worker and beat log to this terminal; "
            "one that exits is started again.")
        say("Press Ctrl-C to stop.")
        print(flush=True)
        while True:
            _restart_dead(children)
            time.sleep(0.5)
    except Stop as stop:
        say(f"{stop} received; shutting down.")
    except ChildDied as died:
        # Ctrl-C reaches the children too, and one may end before this process sees its own signal.
        try:
            time.sleep(0.5)
            say(f"The {died.child.name} exited {RESTART_LIMIT + 1} times within {RESTART_WINDOW:.0f} s "
                f"(last exit code {died.child.process.returncode}); stopping everything.")
            status = 1
        except Stop as stop:
            say(f"{stop} received; shutting down.")
    except SystemExit as exit_:
        print(exit_.code, file=sys.stderr, flush=True)
        status = 1
    finally:
        _ignore_signals()
        _stop_children(children)
        embedded_services.stop(started, say=say)
    say("Stopped." if status == 0 else "Stopped after an error.")
    return status


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"] and len(argv) == 1:
        return run()
    if argv[:1] == ["test"]:
        return test(argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
