"""Nobody changes the index over HTTP: every route is read-only (GET/HEAD/OPTIONS), and any
future route that accepts another method must refuse a request without an admin token."""
from __future__ import annotations

import pytest

READ_ONLY = {"GET", "HEAD", "OPTIONS"}
UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]


def test_every_route_is_read_only(rel_app):
    writable = {rule.rule: sorted(rule.methods - READ_ONLY) for rule in rel_app.url_map.iter_rules()
                if rule.methods - READ_ONLY}
    # An admin endpoint (rebuild, rollback, reload) must not be added without a token check and
    # a test of it here; until then there is none.
    assert writable == {}, f"routes that accept writes: {writable}"


def test_known_routes(rel_app):
    """The whole HTTP surface (SECURITY.md lists it); a new route must be added there too."""
    rules = {rule.rule for rule in rel_app.url_map.iter_rules()}
    assert rules == {"/", "/search", "/doc/<path:doc_id>", "/api/search", "/api/suggest", "/healthz",
                     "/status", "/widget.js", "/embed", "/static/<path:filename>"}


@pytest.mark.parametrize("method", UNSAFE)
def test_unsafe_methods_are_refused_everywhere(rel_app, method):
    client = rel_app.test_client()
    for rule in rel_app.url_map.iter_rules():
        path = rule.rule.replace("<path:doc_id>", "hostile-doc").replace("<path:filename>", "app.js")
        response = client.open(path, method=method, headers={"Authorization": "Bearer guess"})
        assert response.status_code in (401, 403, 405), (method, path, response.status_code)


HEALTH_KEYS = {"ok", "generation", "documents", "clauses", "built_at", "updated_at", "pending", "verified", "error", "hint"}


def test_healthz_reveals_no_secrets_or_paths_when_healthy(rel_app, hostile_index, hostile_corpus):
    body = rel_app.test_client().get("/healthz").get_json()
    assert body["ok"] and str(hostile_index) not in str(body) and str(hostile_corpus) not in str(body)
    assert set(body) <= HEALTH_KEYS


def test_healthz_reports_the_live_generation_its_times_and_pending_changes(tmp_path):
    """What a librarian needs to know after `make update`: which generation serves, when it was built
    and updated, and which corpus changes it does not hold yet (by document id, never by path)."""
    from indexer.build import build_index, update_index
    from search_app import create_app
    from search_app import searcher as searcher_module
    from tests.conftest import copy_corpus
    corpus, index = copy_corpus(tmp_path / "corpus"), tmp_path / "index"
    (corpus / "empty.txt").write_text("", encoding="utf-8")                 # skipped, and stays so
    build_index([corpus], index, skip_bad=True)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    body = client.get("/healthz").get_json()
    assert set(body) == HEALTH_KEYS and body["updated_at"] is None and body["built_at"]
    assert body["generation"] == (index / "CURRENT").read_text().strip()
    assert (body["pending"]["added"], body["pending"]["changed"], body["pending"]["removed"]) == (0, 0, 0)
    (corpus / "new-list.txt").write_text((corpus / "shanxi-innovation-reform-measures.txt").read_text("utf-8"),
                                         encoding="utf-8")
    searcher_module.PENDING_SECONDS, saved = 0, searcher_module.PENDING_SECONDS
    try:
        body = client.get("/healthz").get_json()
        assert body["pending"]["added"] == 1 and body["pending"]["names"]["added"] == ["new-list"]
        assert str(corpus) not in str(body)
        update_index(None, index)
        body = client.get("/healthz").get_json()
    finally:
        searcher_module.PENDING_SECONDS = saved
    assert body["generation"] == (index / "CURRENT").read_text().strip()
    assert body["updated_at"] and body["pending"]["added"] == 0 and body["documents"] == 2


def test_static_files_cannot_escape_the_static_folder(rel_app):
    client = rel_app.test_client()
    for path in ("/static/../__init__.py", "/static/..%2f__init__.py", "/static/%2e%2e/config.py",
                 "/static/../../setup.cfg", "/static//etc/passwd", "/static/..\\__init__.py"):
        response = client.get(path, follow_redirects=True)     # "//" is merged by a redirect first
        assert response.status_code == 404, path
        assert b"create_app" not in response.data and b"root:" not in response.data
