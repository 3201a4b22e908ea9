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
                     "/widget.js", "/embed", "/static/<path:filename>"}


@pytest.mark.parametrize("method", UNSAFE)
def test_unsafe_methods_are_refused_everywhere(rel_app, method):
    client = rel_app.test_client()
    for rule in rel_app.url_map.iter_rules():
        path = rule.rule.replace("<path:doc_id>", "hostile-doc").replace("<path:filename>", "app.js")
        response = client.open(path, method=method, headers={"Authorization": "Bearer guess"})
        assert response.status_code in (401, 403, 405), (method, path, response.status_code)


def test_healthz_reveals_no_secrets_or_paths_when_healthy(rel_app, hostile_index):
    body = rel_app.test_client().get("/healthz").get_json()
    assert body["ok"] and str(hostile_index) not in str(body)
    assert set(body) <= {"ok", "generation", "documents", "clauses", "built_at", "verified", "error", "hint"}


def test_static_files_cannot_escape_the_static_folder(rel_app):
    client = rel_app.test_client()
    for path in ("/static/../__init__.py", "/static/..%2f__init__.py", "/static/%2e%2e/config.py",
                 "/static/../../setup.cfg", "/static//etc/passwd", "/static/..\\__init__.py"):
        response = client.get(path, follow_redirects=True)     # "//" is merged by a redirect first
        assert response.status_code == 404, path
        assert b"create_app" not in response.data and b"root:" not in response.data
