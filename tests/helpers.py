"""Helpers the test modules share: where the given data lies (../shared beside the checkout, or
POLICY_SEARCH_LAWS), prerequisites that fail under CI instead of skipping, and real servers
(`python -m search_app serve` on a free loopback port) with plain HTTP clients for them."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LAWS_ENV = "POLICY_SEARCH_LAWS"
LAWS_INDEX_ENV = "POLICY_SEARCH_LAWS_INDEX"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


# -- the given data and the gates on it ------------------------------------------------------

def laws_dir() -> Path:
    """The law collection: $POLICY_SEARCH_LAWS, else ../shared/corpora/laws from the project root."""
    return Path(os.environ.get(LAWS_ENV) or SHARED / "corpora" / "laws")


def in_ci() -> bool:
    """CI=true (or 1/yes), as CI services and `.ci/run` set it."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(present: bool, reason: str) -> None:
    """A gate's prerequisite: missing, it skips with `reason` on a developer's machine and fails
    with it (one line, no traceback) under CI, where a gate that did not run must not pass."""
    if present:
        return
    if in_ci():
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_laws() -> Path:
    path = laws_dir()
    require(path.is_dir(), f"the law collection is not at {path} (put ../shared beside the checkout "
                           f"or set {LAWS_ENV})")
    return path


def require_shared_eval() -> Path:
    path = SHARED / "eval"
    require((path / "score.py").is_file(), f"the judged dev queries are not at {path} "
                                           "(put ../shared beside the checkout)")
    return path


def require_chromium():
    """playwright's sync API, once /usr/bin/chromium is there (`make system-deps` installs it)."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is not installed (make system-deps: Debian chromium, fonts-noto-cjk)")
    try:
        import playwright.sync_api as api
    except ImportError:
        require(False, "python playwright is not installed (make install)")
    return api


# -- real servers ----------------------------------------------------------------------------

def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 30, headers=None):
    """(status, headers, body bytes) for any HTTP status; raises only on connection problems."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read()


def get_json(url: str, timeout: float = 30):
    status, headers, body = http_get(url, timeout)
    return status, headers, json.loads(body.decode("utf-8"))


def raw_http(port: int, request: bytes, timeout: float = 10, host: str = "127.0.0.1") -> bytes:
    """Send raw bytes to a real server and read its whole reply (for malformed or oversized requests
    no HTTP client would send)."""
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(request)
        data = b""
        try:
            while chunk := conn.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    return data


class Server(SimpleNamespace):
    """url, port, proc, log (its stdout and stderr), index."""

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def spawn_server(index_dir, log: Path, *args, env_extra=None, **popen) -> Server:
    """`python -m search_app serve --index … --host 127.0.0.1 --port <free> *args`, not waited for.
    The environment is this one without POLICY_SEARCH_* settings, plus `env_extra`."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_SEARCH_")}
    env.update(env_extra or {})
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "search_app", "serve", "--index", str(index_dir), "--host", "127.0.0.1",
             "--port", str(port), *map(str, args)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, **popen)
    return Server(url=f"http://127.0.0.1:{port}", port=port, proc=proc, log=Path(log), index=Path(index_dir))


def wait_until_up(server: Server, timeout: float = 60) -> Server:
    """Return once the server answers /healthz (any status: a server on a broken index must come
    up too); fail with its log if it exits or stays silent."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"server exited with {server.proc.returncode}:\n{server.log_text()}")
        try:
            http_get(server.url + "/healthz", timeout=5)
            return server
        except OSError:
            time.sleep(0.1)
    stop_server(server)
    raise AssertionError(f"server did not come up in {timeout} s:\n{server.log_text()}")


def start_server(index_dir, log: Path, env_extra=None, threads: int = 8, timeout: float = 60) -> Server:
    """A waitress server (`--threads threads`) that answers already."""
    return wait_until_up(spawn_server(index_dir, log, "--threads", threads, env_extra=env_extra), timeout)


def stop_server(server: Server, sig=signal.SIGTERM, timeout: float = 10, group: bool = False) -> int | None:
    """Send `sig` (to its process group with group=True) and wait; kill it, and any children it
    left, when it does not stop in `timeout` s. Its exit code, or None when it had to be killed."""
    if server.proc.poll() is None:
        if group:
            os.killpg(server.proc.pid, sig)
        else:
            server.proc.send_signal(sig)
        try:
            server.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for pid in children(server.proc.pid):
                os.kill(pid, signal.SIGKILL)
            server.proc.kill()
            server.proc.wait()
            return None
    return server.proc.returncode


def children(pid: int) -> list[int]:
    """The process's children (Linux /proc; [] elsewhere or once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]
