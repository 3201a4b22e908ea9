"""`policy-search serve --workers 2`: the real CLI under gunicorn on a temporary index.

Which worker answered is found from outside, through /proc: the worker processes are the server's
children, and the one holding the server end of a client's TCP connection is the one answering it.
Nothing new is exposed over HTTP for this.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import time
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.helpers import children, raw_http, spawn_server, stop_server

if not Path("/proc/self/task").is_dir():
    pytest.skip("needs Linux /proc to see the worker processes", allow_module_level=True)
pytest.importorskip("gunicorn")

pytestmark = pytest.mark.server
SEARCH = "/api/search?" + urllib.parse.urlencode({"q": "专利质押"})
NEW_DOC = """后来加入的措施清单

序号\t改革举措\t主要内容\t责任部门
1\t氢能重卡示范\t开展氢能重卡示范运营。对示范线路给予运营补贴。\t省发展改革委
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent's wait() counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def open_paths(pid: int, folder: Path) -> set[str]:
    """Files under `folder` the process has open or mapped."""
    found = set()
    prefix = str(folder.resolve())
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(prefix):
                found.add(target)
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
            if prefix in line:
                found.add(line.split(None, 5)[-1])
    except OSError:
        pass
    return found


def answering_pid(conn: http.client.HTTPConnection, pids) -> int | None:
    """The process holding the server end of this keep-alive connection."""
    client_port, server_port = conn.sock.getsockname()[1], conn.sock.getpeername()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if local == server_port and remote == client_port:
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def get(conn: http.client.HTTPConnection, path: str):
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response, response.read()


start = spawn_server          # (index_dir, log, *args, env_extra=None, **popen) → not yet answering


def workers_ready(server, count: int = 2, timeout: float = 90) -> list[int]:
    """Wait, without sending a request, until `count` workers have opened the index (they open and
    warm it before taking requests); return their pids."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"server exited with {server.proc.returncode}:\n{server.log.read_text(errors='replace')}")
        pids = children(server.proc.pid)
        if len(pids) == count and all(open_paths(p, server.index) for p in pids):
            return pids
        time.sleep(0.2)
    pytest.fail(f"{count} workers did not open the index:\n{server.log.read_text(errors='replace')}")


def stop(server, sig=signal.SIGTERM, timeout: float = 30, group: bool = False) -> int | None:
    return stop_server(server, sig, timeout=timeout, group=group)


def pids_answering(server, workers, path=SEARCH, tries: int = 64, rounds: int = 10):
    """Open keep-alive connections until both workers have answered one; {pid: [(status, body)]}.

    Which worker accepts a connection is the kernel's choice: one that is busy (still warming its
    index, collecting garbage) can miss a whole round of `tries`, so up to `rounds` rounds, half a
    second apart, are tried before a worker counts as never answering."""
    answers: dict[int, list] = {}
    for _ in range(rounds):
        conns = []
        try:
            for _ in range(tries):
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                conns.append(conn)
                status, _, body = get(conn, path)
                pid = answering_pid(conn, workers)
                answers.setdefault(pid, []).append((status, json.loads(body)))
                if set(workers) <= set(answers):
                    return answers
        finally:
            for conn in conns:
                conn.close()
        time.sleep(0.5)
    return answers


@pytest.fixture(scope="module")
def server(index_dir, tmp_path_factory):
    server = start(index_dir, tmp_path_factory.mktemp("serve") / "server.log", "--workers", "2")
    server.workers = workers_ready(server)
    yield server
    stop(server)


def test_two_workers_each_with_its_own_warmed_index(server):
    assert len(set(server.workers)) == 2
    # opened after the fork, in each worker, before any request; the parent never opens it
    assert not open_paths(server.proc.pid, server.index)
    for pid in server.workers:
        assert any("/gen-" in p for p in open_paths(pid, server.index))
    log = server.log.read_text(errors="replace")
    assert "with 2 worker processes" in log and "gthread" in log


def test_both_workers_answer_search_and_health(server):
    answers = pids_answering(server, server.workers)
    assert set(server.workers) <= set(answers), answers.keys()
    for pid in server.workers:
        status, body = answers[pid][0]
        assert status == 200 and body["total"] > 0 and "<mark>" in body["hits"][0]["highlight"]
    health = pids_answering(server, server.workers, "/healthz")
    assert set(server.workers) <= set(health)
    assert all(status == 200 and body["ok"] and body["clauses"] > 0 for pid in server.workers
               for status, body in health[pid])


def test_headers_and_body_limit_as_under_waitress(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        status, response, _ = get(conn, SEARCH)
        assert status == 200
        assert response.getheader("Server") == "policy-search"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        status, response, _ = get(conn, "/")
        assert status == 200 and "script-src 'self'" in response.getheader("Content-Security-Policy")
        # the longest valid query string fits gunicorn's request line
        longest = urllib.parse.urlencode({"q": "𠮷" * 200, "dept": "𠮷" * 200, "doc": "𠮷" * 200,
                                          "page": "1000", "per_page": "50"})
        assert get(conn, "/api/search?" + longest)[0] == 200
    finally:
        conn.close()
    head = b"Host: x\r\nConnection: close\r\n"
    # a body over MAX_CONTENT_LENGTH (16 KiB), with Content-Length or chunked: 413 from the app
    reply = raw_http(server.port, b"GET /api/search?q=a HTTP/1.1\r\n" + head + b"Content-Length: 100000\r\n\r\n"
                     + b"x" * 100_000)
    assert b" 413 " in reply.split(b"\r\n", 1)[0] and b'"error"' in reply
    reply = raw_http(server.port, b"GET /api/search?q=a HTTP/1.1\r\n" + head + b"Transfer-Encoding: chunked\r\n\r\n"
                     + b"8000\r\n" + b"x" * 0x8000 + b"\r\n0\r\n\r\n")
    assert b" 413 " in reply.split(b"\r\n", 1)[0] and b'"error"' in reply
    # a small chunked body is allowed, as under waitress
    reply = raw_http(server.port, b"GET /api/search?q=%E4%B8%93%E5%88%A9 HTTP/1.1\r\n" + head
                     + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    assert b" 200 " in reply.split(b"\r\n", 1)[0]
    # X-Forwarded-Proto is not believed without POLICY_SEARCH_TRUSTED_PROXIES
    reply = raw_http(server.port, b"GET /embed HTTP/1.1\r\n" + head + b"X-Forwarded-Proto: https\r\n\r\n")
    assert b" 200 " in reply.split(b"\r\n", 1)[0] and b"https://x" not in reply


def test_keep_alive_connections_are_dealt_out_again(server):
    """After KEEPALIVE_REQUESTS answers a connection is closed, so that a client that keeps its
    connection does not stay on one worker for good."""
    from search_app.serving import KEEPALIVE_REQUESTS

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for n in range(1, KEEPALIVE_REQUESTS + 1):
            status, response, _ = get(conn, "/healthz")
            assert status == 200
            assert response.getheader("Connection") == ("close" if n == KEEPALIVE_REQUESTS else "keep-alive"), n
        status, response, _ = get(conn, "/healthz")   # http.client opens a new connection
        assert status == 200 and response.getheader("Connection") == "keep-alive"
    finally:
        conn.close()


def test_frozen_objects_refrozen_once_the_index_generation_changes():
    """serve freezes what warm() loaded out of the garbage collector's full passes; a new index
    generation is followed by one unfreeze, collect, freeze (the retired one is not kept)."""
    from search_app.middleware import QuietGc

    class FakeGc:
        def __init__(self):
            self.calls = []

        def __getattr__(self, name):
            return lambda: self.calls.append(name)

    store, fake = SimpleNamespace(current=Path("gen-1")), FakeGc()
    wrapped = QuietGc(lambda environ, start_response: [b"ok"], store, gc=fake)
    assert fake.calls == ["collect", "freeze"]
    wrapped.CHECK_SECONDS = 0
    assert wrapped({}, None) == [b"ok"]
    assert fake.calls == ["collect", "freeze"]          # same generation: nothing to do
    store.current = Path("gen-2")
    wrapped({}, None)
    assert fake.calls[2:] == ["unfreeze", "collect", "freeze"]
    wrapped({}, None)
    assert len(fake.calls) == 5


def test_every_worker_follows_a_rebuilt_index(seed_corpus_copy, build_index_into, tmp_path):
    corpus = seed_corpus_copy(tmp_path / "corpus")
    index = build_index_into([corpus], tmp_path / "index")
    server = start(index, tmp_path / "server.log", "--workers", "2")
    try:
        workers = workers_ready(server)
        new = "/api/search?" + urllib.parse.urlencode({"q": "氢能重卡"})
        before = pids_answering(server, workers, new)
        assert all(body["total"] == 0 for answers in before.values() for _, body in answers)
        (corpus / "后来的措施.txt").write_text(NEW_DOC, encoding="utf-8")
        build_index_into([corpus], index)
        after = pids_answering(server, workers, new)
        assert set(workers) <= set(after)
        assert all(status == 200 and body["total"] > 0 for answers in after.values() for status, body in answers)
    finally:
        stop(server)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_signal_stops_the_process_tree(index_dir, tmp_path, sig):
    # Ctrl-C reaches the whole foreground process group: the server leads its own group here
    server = start(index_dir, tmp_path / "server.log", "--workers", "2", start_new_session=True)
    try:
        workers = workers_ready(server)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        assert get(conn, SEARCH)[0] == 200
        conn.close()
    finally:
        code = stop(server, sig, group=sig == signal.SIGINT)
    assert code == 0, server.log.read_text(errors="replace")
    deadline = time.time() + 10
    while any(alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


@pytest.mark.parametrize("args, env, message", [
    (["--workers", "0"], {}, "--workers must be at least 1"),
    (["--workers", "two"], {}, "--workers must be a whole number"),
    ([], {"POLICY_SEARCH_WORKERS": "abc"}, "POLICY_SEARCH_WORKERS must be a whole number"),
    ([], {"POLICY_SEARCH_WORKERS": "-2"}, "POLICY_SEARCH_WORKERS must be at least 1"),
    (["--workers", "2", "--threads", "0"], {}, "--threads must be at least 1"),
    (["--workers", "2"], {"POLICY_SEARCH_RATE_LIMIT": "lots"}, "RATE_LIMIT"),
])
def test_bad_settings_exit_2_before_serving(index_dir, tmp_path, args, env, message):
    server = start(index_dir, tmp_path / "server.log", *args, env_extra=env)
    try:
        code = server.proc.wait(timeout=60)
    finally:
        stop(server)
    text = server.log.read_text(errors="replace")
    assert code == 2 and "bad setting" in text and message in text, text
    assert "Booting worker" not in text


def test_workers_from_the_environment(index_dir, tmp_path):
    server = start(index_dir, tmp_path / "server.log", env_extra={"POLICY_SEARCH_WORKERS": "2"})
    try:
        assert len(set(workers_ready(server))) == 2
    finally:
        assert stop(server) == 0


def test_help_documents_workers():
    from click.testing import CliRunner

    from search_app.cli import main

    out = CliRunner().invoke(main, ["serve", "--help"])
    assert out.exit_code == 0 and "--workers" in out.output and "POLICY_SEARCH_WORKERS" in out.output
