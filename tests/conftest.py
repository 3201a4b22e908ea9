"""Shared fixtures (after installing the engine's patches, as the entry points do): a temporary
copy of the seed corpus and an index built from it; the markers of tests that start a real server
or a browser (their helpers are in tests/helpers.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.engine import install
from tests.helpers import ROOT, SHARED, raw_http  # noqa: F401 - imported from here by test modules

install()   # Whoosh's fixes and jieba's speedups, as every entry point installs them

CORPUS = ROOT / "corpus"
SEED = "shanxi-innovation-reform-measures.txt"


def copy_corpus(dest: Path, files=(SEED,)) -> Path:
    """A corpus folder holding the given seed-corpus files plus the dictionaries."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*files, "userdict.txt", "synonyms.txt"):
        if (CORPUS / name).exists():
            shutil.copy(CORPUS / name, dest / name)
    return dest


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


# fixtures that start a real server or a browser, and the markers a test using one gets wherever
# it lives (whole modules of such tests mark themselves with pytestmark)
FIXTURE_MARKERS = {"serve": ("server",), "browser_page": ("browser", "server")}


@pytest.hookimpl(tryfirst=True)   # before -m deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            for marker in FIXTURE_MARKERS.get(fixture, ()):
                item.add_marker(marker)
