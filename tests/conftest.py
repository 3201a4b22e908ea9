"""Shared fixtures: a temporary copy of the seed corpus and an index built from it."""
from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = "shanxi-innovation-reform-measures.txt"
SHARED = ROOT.parent / "shared"


def copy_corpus(dest: Path, files=(SEED,)) -> Path:
    """A corpus folder holding the given seed-corpus files plus the dictionaries."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*files, "userdict.txt", "synonyms.txt"):
        if (CORPUS / name).exists():
            shutil.copy(CORPUS / name, dest / name)
    return dest


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


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the seed list alone, built once per test session (treat it as read-only)."""
    from indexer.build import build_index
    base = tmp_path_factory.mktemp("seed")
    corpus = copy_corpus(base / "corpus")
    build_index([corpus], base / "index")
    return base / "index"


@pytest.fixture(scope="session")
def searcher(seed_index):
    from search_app.searcher import Searcher
    return Searcher(seed_index)


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    """A writable corpus folder with the seed list, for tests that edit or break it."""
    return copy_corpus(tmp_path / "corpus")
