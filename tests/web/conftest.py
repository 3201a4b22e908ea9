"""Fixtures for the web tests: one real index per session (seed corpus plus a small second
collection whose ids hold "/" and Chinese), an app and a test client on it, and fakes for
failure paths that a healthy index cannot produce."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED_CORPUS = ROOT / "corpus"
SEED_DOC = "shanxi-innovation-reform-measures"
ALLOWED_ORIGIN = "http://widget-host.example"
RESOURCE_FILES = ("userdict.txt", "synonyms.txt", "stopwords.txt")

EXTRA_DOC = """测试用科技创新措施清单

序号\t改革举措\t主要内容\t责任部门
1\t量子通信网络试点\t开展量子通信网络建设试点。支持高校与企业共建量子通信实验平台！\t省科技厅
2\t科研仪器开放共享\t推动科研仪器向社会开放。对开放共享成效好的单位给予补助。\t省科技厅、省财政厅
"""


def write_extra_collection(parent: Path) -> Path:
    folder = parent / "地方政策"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "科技措施.txt").write_text(EXTRA_DOC, encoding="utf-8")
    return folder


def seed_copy(target: Path) -> Path:
    """A corpus folder with just the seed list and the resource files."""
    target.mkdir(parents=True)
    for name in (f"{SEED_DOC}.txt", *RESOURCE_FILES):
        if (SEED_CORPUS / name).is_file():
            shutil.copy2(SEED_CORPUS / name, target / name)
    return target


def build(corpus_dirs, index_dir) -> Path:
    from indexer.build import build_index

    build_index([str(c) for c in corpus_dirs], str(index_dir))
    return Path(index_dir)


@pytest.fixture(scope="session")
def build_index_into():
    """build(corpus_dirs, index_dir) -> index_dir, with the real indexer."""
    return build


@pytest.fixture(scope="session")
def seed_corpus_copy():
    """seed_copy(folder) -> folder holding only the seed list and resource files."""
    return seed_copy


@pytest.fixture(scope="session")
def allowed_origin():
    return ALLOWED_ORIGIN


@pytest.fixture(scope="session")
def corpus_dirs(tmp_path_factory):
    # only the seed list and the resource files: documents others add to corpus/ must not move
    # the results these tests pin down
    seed = seed_copy(tmp_path_factory.mktemp("corpus") / "seed")
    return [seed, write_extra_collection(tmp_path_factory.mktemp("corpus2"))]


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, corpus_dirs):
    return build(corpus_dirs, tmp_path_factory.mktemp("index") / "index")


@pytest.fixture(scope="session")
def extra_doc_id(index_dir):
    from search_app.searcher import Searcher

    result = Searcher(index_dir).search("量子通信")
    doc_id = result["hits"][0]["doc_id"]
    assert "/" in doc_id and "地方政策" in doc_id
    return doc_id


@pytest.fixture
def app(index_dir):
    from search_app import create_app

    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True, "CORS_ORIGINS": [ALLOWED_ORIGIN]})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


class FakeSearcher:
    """Searcher stand-in returning canned data, or raising `error` from every method."""

    def __init__(self, result=None, suggestions=(), document=None, error=None, health=None):
        self.result, self.suggestions, self.doc, self.error = result, list(suggestions), document, error
        self.health_result = health or {"ok": True, "documents": 1, "clauses": 1, "generation": "g",
                                         "error": None, "hint": None}
        self.calls = []

    def _maybe_raise(self):
        if self.error is not None:
            raise self.error

    def search(self, q, page=1, per_page=10, dept=None, doc=None, filters=None, expand=True, sort="relevance",
               group=None):
        self.calls.append(("search", q, page, per_page, dept, doc))
        self.last_filters, self.last_expand, self.last_arrangement = filters, expand, (sort, group)
        self._maybe_raise()
        return dict(self.result, query=q, page=page, per_page=per_page)

    def suggest(self, prefix, limit=8):
        self.calls.append(("suggest", prefix, limit))
        self._maybe_raise()
        return self.suggestions[:limit]

    def document(self, doc_id):
        self.calls.append(("document", doc_id))
        self._maybe_raise()
        return self.doc if self.doc and self.doc["doc_id"] == doc_id else None

    def reading(self):
        docs = {self.doc["doc_id"]: {"title": self.doc["title"], "meta": self.doc["meta"]}} if self.doc else {}
        return {"documents": docs}, None, {}

    def health(self, with_pending=False):
        self._maybe_raise()
        return self.health_result

    def doc_titles(self, doc_ids):
        return {d: f"文件 {d}" for d in doc_ids}


def fake_hit(**fields):
    hit = {"clause_id": "d:1:1:1", "doc_id": "d", "doc_title": "文件", "measure_no": 1, "measure_title": "措施",
           "departments": ["省科技厅"], "text": "正文", "highlight": "<mark>正文</mark>", "score": 1.0,
           "article": None, "chapter": None, "category": None, "version_date": None}
    hit.update(fields)
    return hit


def fake_result(hits=(), total=None, relaxed=False, departments=None):
    hits = list(hits)
    return {"query": "", "total": len(hits) if total is None else total, "page": 1, "per_page": 10,
            "relaxed": relaxed, "hits": hits, "facets": {"departments": departments or {}}}


@pytest.fixture
def fake_app():
    """make(searcher, **config) -> app whose shared searcher is the given fake."""
    from search_app import create_app

    def make(searcher, **config):
        return create_app({"INDEX_DIR": "unused", "TESTING": True, "SEARCHER": searcher, **config})

    return make


@pytest.fixture
def fakes():
    """FakeSearcher, hit(**fields) and result(hits, ...) builders for canned-data tests."""
    from types import SimpleNamespace

    return SimpleNamespace(Searcher=FakeSearcher, hit=fake_hit, result=fake_result)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's, never a downloaded one) for a module's page tests."""
    from tests.helpers import CHROMIUM, LAUNCH_ARGS, require_chromium
    with require_chromium().sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def reader_index(tmp_path_factory):
    """The dated law collection of tests/reader_corpus.py, indexed once for the reader tests."""
    from tests.reader_corpus import build_reader_index
    return build_reader_index(tmp_path_factory.mktemp("reader-web"))


@pytest.fixture
def reader_client(reader_index):
    from search_app import create_app

    return create_app({"INDEX_DIR": str(reader_index), "TESTING": True}).test_client()
