"""Fixtures for the reliability and security tests: an index holding a hostile document beside
the seed list, an app on it, and a real `policy-search serve` process for tests that need
sockets, threads and other processes (concurrency, faults, rate limits, the browser)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_corpus
# the real-server helpers, imported from here by this folder's modules
from tests.helpers import ROOT, Server, get_json, http_get, start_server, stop_server  # noqa: F401

SEED_DOC = "shanxi-innovation-reform-measures"

# A list-format document: the reader strips tags and then unescapes entities, so these cells
# reach the index (and every field of a hit) as literal <script>, <img onerror>, " and &.
HOSTILE_DOC_ID = "hostile-doc"
HOSTILE_DOC = """\
&lt;script&gt;window.__xss=&quot;title&quot;&lt;/script&gt;安全测试清单 &amp; “引号”

序号\t改革举措\t主要内容\t责任部门
1\t&lt;img src=x onerror=&quot;window.__xss='measure'&quot;&gt;量子密钥分发试点\t开展量子密钥分发试点&lt;script&gt;window.__xss='text'&lt;/script&gt;。支持“量子”与 "密钥" &amp; 加密&lt;img src=x onerror=&quot;window.__xss='img'&quot;&gt;网络建设！\t省科技厅&lt;b&gt;、省&quot;密码&quot;管理局&amp;
2\t普通措施\t推动量子通信网络建设。\t省科技厅
"""
# A file name a browser must not read as markup either: it becomes the doc id, URLs and anchors.
HOSTILE_NAME_STEM = """evil"'><svg onload=window.__xss=1>&amp"""
HOSTILE_NAME_DOC = """安全测试第二份清单

序号\t改革举措\t主要内容\t责任部门
1\t名称测试措施\t开展光量子芯片研制。\t省科技厅
"""
# strings that must never appear unescaped in HTML served by the app
PAYLOADS = ("<script>", "<img src=x", "<svg onload", "<b>")


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory) -> Path:
    corpus = copy_corpus(tmp_path_factory.mktemp("hostile") / "corpus")
    (corpus / f"{HOSTILE_DOC_ID}.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    (corpus / f"{HOSTILE_NAME_STEM}.txt").write_text(HOSTILE_NAME_DOC, encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def hostile_index(hostile_corpus, tmp_path_factory) -> Path:
    """Seed list + the hostile documents, built once per session (read-only)."""
    from indexer.build import build_index

    index = tmp_path_factory.mktemp("hostile-index") / "index"
    build_index([hostile_corpus], index)
    return index


@pytest.fixture(scope="session")
def rel_app(hostile_index):
    from search_app import create_app

    return create_app({"INDEX_DIR": str(hostile_index), "TESTING": True})


@pytest.fixture
def rel_client(rel_app):
    return rel_app.test_client()


# -- real server processes (tests/helpers.py); a test using `serve` is marked `server` -------

@pytest.fixture
def serve(tmp_path):
    """serve(index_dir, **env) -> a running server (stopped after the test)."""
    servers = []

    def start(index_dir, threads=8, **env):
        server = start_server(index_dir, tmp_path / f"server-{len(servers)}.log", env, threads=threads)
        servers.append(server)
        return server

    yield start
    for server in servers:
        stop_server(server)


def policy_index(*args, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run the `policy-index` CLI as a separate process (as an operator would)."""
    return subprocess.run([sys.executable, "-m", "indexer", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, **kw)


def copy_seed_many(dest: Path, copies: int) -> Path:
    """A corpus of `copies` documents: the seed list under different file names (a slower build)."""
    copy_corpus(dest)
    seed = dest / f"{SEED_DOC}.txt"
    for i in range(1, copies):
        shutil.copy(seed, dest / f"copy-{i:03d}.txt")
    return dest
