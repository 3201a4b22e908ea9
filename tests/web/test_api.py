"""JSON API, health, configuration, CORS, error handling and the shared searcher."""
from __future__ import annotations

import json

import pytest

SEED_DOC = "shanxi-innovation-reform-measures"
ALLOWED_ORIGIN = "http://widget-host.example"    # what the `app` fixture allows

HIT_KEYS = {"clause_id", "doc_id", "doc_title", "measure_no", "measure_title", "departments", "text",
            "highlight", "score", "article", "chapter", "category", "version_date", "exact", "clauses",
            "date", "validity"}


def get_json(client, url, status=200, **kw):
    response = client.get(url, **kw)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response.get_json()


# -- /api/search ------------------------------------------------------------------------------

def test_search_returns_the_searcher_object(client):
    data = get_json(client, "/api/search?q=专利质押")
    assert set(data) == {"query", "total", "page", "per_page", "relaxed", "expanded", "hits", "facets",
                        "sort", "group", "did_you_mean"}
    assert data["query"] == "专利质押" and data["page"] == 1 and data["per_page"] == 10
    assert data["total"] >= len(data["hits"]) > 0
    first = data["hits"][0]
    assert set(first) == HIT_KEYS
    assert first["doc_id"] == SEED_DOC and first["measure_no"] == 3
    assert first["measure_title"] == "贷款、保险、财政风险补偿捆绑的专利权质押融资服务"
    assert "<mark>" in first["highlight"]
    assert first["clause_id"].startswith(f"{SEED_DOC}:3:")
    assert isinstance(data["facets"]["departments"], dict)


def test_api_equals_cli_json(client, index_dir):
    from click.testing import CliRunner

    from search_app.cli import main

    api = get_json(client, "/api/search?q=专利质押&per_page=5")
    cli = CliRunner().invoke(main, ["query", "--json", "--index", str(index_dir), "-n", "5", "专利质押"])
    assert cli.exit_code == 0, cli.stderr
    assert json.loads(cli.stdout) == api


def test_search_paging_and_page_past_the_end(client):
    first = get_json(client, "/api/search?q=企业&per_page=3")
    second = get_json(client, "/api/search?q=企业&per_page=3&page=2")
    assert first["total"] > 6 and len(first["hits"]) == len(second["hits"]) == 3
    assert not {h["clause_id"] for h in first["hits"]} & {h["clause_id"] for h in second["hits"]}
    beyond = get_json(client, "/api/search?q=企业&per_page=50&page=999")
    assert beyond["hits"] == [] and beyond["page"] == 999


def test_search_dept_and_doc_filters(client, extra_doc_id):
    dept = get_json(client, "/api/search?q=企业&dept=省国防科工办&per_page=50")
    assert dept["hits"] and all("省国防科工办" in h["departments"] for h in dept["hits"])
    doc = get_json(client, "/api/search?" + "&".join(["q=试点", "doc=" + extra_doc_id]))
    assert doc["hits"] and {h["doc_id"] for h in doc["hits"]} == {extra_doc_id}


@pytest.mark.parametrize("query, param", [
    ("", "q"),
    ("q=", "q"),
    ("q=%20%20", "q"),
    ("q=" + "专" * 201, "q"),
    ("q=专利&page=0", "page"),
    ("q=专利&page=-1", "page"),
    ("q=专利&page=abc", "page"),
    ("q=专利&page=1.5", "page"),
    ("q=专利&page=", "page"),
    ("q=专利&page=%D9%A3", "page"),          # Arabic-Indic three: int() would accept it
    ("q=专利&page=1001", "page"),
    ("q=专利&per_page=51", "per_page"),
    ("q=专利&per_page=0", "per_page"),
    ("q=专利&per_page=ten", "per_page"),
    ("q=专利&dept=" + "部" * 201, "dept"),
])
def test_search_bad_parameters_are_400(client, query, param):
    data = get_json(client, "/api/search?" + query, status=400)
    assert isinstance(data["error"], str) and data["error"]
    assert data["param"] == param


@pytest.mark.parametrize("q", ['"专利', "专利 OR", "-专利", "nosuchfield:专利"])
def test_search_bad_query_is_400(client, q):
    data = get_json(client, "/api/search", status=400, query_string={"q": q})
    assert data["error"] and "Traceback" not in data["error"]


ODD_QUERIES = ["<script>alert(1)</script>", "*", "?", "AND", "OR", "NOT", "部门:省知识产权局", "dept:",
               "\x00", "'", "“专利”", "((", "))", "\\", "%", "😀", "专" * 200, "a" * 200, "的", "。",
               "专利 质押 融资 保险 风险 补偿 财政 贷款", "第三条", "3", "PATENT", "專利質押"]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_queries_never_500(client, q):
    for url in ("/api/search", "/search"):
        response = client.get(url, query_string={"q": q})
        assert response.status_code in (200, 400), (url, q, response.get_data(as_text=True)[:300])


def test_odd_suggest_prefixes_never_500(client):
    for q in ODD_QUERIES:
        response = client.get("/api/suggest", query_string={"q": q})
        assert response.status_code in (200, 400), (q, response.get_data(as_text=True)[:300])


def test_invalid_utf8_in_query_is_not_500(client):
    for url in ("/api/search?q=%ED%A0%80%FF", "/search?q=%C0"):
        assert client.get(url).status_code in (200, 400)


def test_invalid_utf8_in_suggest_prefix_is_not_500(client):
    assert client.get("/api/suggest?q=%FF%ED%A0%80").status_code in (200, 400)


def test_search_method_not_allowed_is_json(client):
    response = client.post("/api/search?q=专利")
    assert response.status_code == 405 and response.get_json()["error"]
    assert "GET" in response.headers["Allow"]


def test_unknown_api_route_is_json_404(client):
    data = get_json(client, "/api/nothing", status=404)
    assert data["error"]


# -- /api/suggest -----------------------------------------------------------------------------

def test_suggest(client):
    data = get_json(client, "/api/suggest?q=专利")
    assert data["query"] == "专利"
    assert 0 < len(data["suggestions"]) <= 8
    assert all(isinstance(s, str) and s for s in data["suggestions"])


def test_suggest_limit_comes_from_config(fake_app, fakes):
    app = fake_app(fakes.Searcher(suggestions=[f"专利{i}" for i in range(20)]), SUGGEST_LIMIT=3)
    data = get_json(app.test_client(), "/api/suggest?q=专利")
    assert data["suggestions"] == ["专利0", "专利1", "专利2"]


@pytest.mark.parametrize("query", ["", "q=", "q=%20", "q=" + "专" * 201])
def test_suggest_bad_input_is_400(client, query):
    assert get_json(client, "/api/suggest?" + query, status=400)["error"]


# -- /healthz ---------------------------------------------------------------------------------

def test_healthz(client):
    data = get_json(client, "/healthz")
    assert data["ok"] is True and data["documents"] == 2 and data["clauses"] > 50


def test_without_an_index(tmp_path):
    from search_app import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "missing")}).test_client()
    health = get_json(client, "/healthz", status=503)
    assert health["ok"] is False and health["error"]
    assert get_json(client, "/api/search?q=专利", status=503)["error"]
    assert get_json(client, "/api/suggest?q=专利", status=503)["error"]
    page = client.get("/search?q=专利")
    assert page.status_code == 503 and "检索服务暂不可用" in page.get_data(as_text=True)
    assert client.get(f"/doc/{SEED_DOC}").status_code == 503
    home = client.get("/")
    assert home.status_code == 200 and "检索索引暂不可用" in home.get_data(as_text=True)


# -- unexpected errors ------------------------------------------------------------------------

def test_unexpected_exception_is_json_500_for_api(fake_app, fakes):
    client = fake_app(fakes.Searcher(error=RuntimeError("secret detail"))).test_client()
    for url in ("/api/search?q=专利", "/api/suggest?q=专利", "/healthz"):
        response = client.get(url)
        assert response.status_code == 500 and response.mimetype == "application/json"
        body = response.get_data(as_text=True)
        assert response.get_json()["error"] and "secret detail" not in body and "Traceback" not in body
    page = client.get("/search?q=专利")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret detail" not in page.get_data(as_text=True)


def test_index_unavailable_from_searcher_is_503(fake_app, fakes):
    from search_app.searcher import IndexUnavailable

    client = fake_app(fakes.Searcher(error=IndexUnavailable("index is being rebuilt"))).test_client()
    assert get_json(client, "/api/search?q=专利", status=503)["error"] == "index is being rebuilt"


# -- CORS -------------------------------------------------------------------------------------

def test_cors_allows_configured_origin_only(client):
    allowed = client.get("/api/search?q=专利", headers={"Origin": ALLOWED_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Origin" in allowed.headers.get("Vary", "")
    other = client.get("/api/search?q=专利", headers={"Origin": "http://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers
    plain = client.get("/api/search?q=专利")
    assert "Access-Control-Allow-Origin" not in plain.headers
    error = client.get("/api/search?q=", headers={"Origin": ALLOWED_ORIGIN})   # widget reads the message
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    page = client.get("/search?q=专利", headers={"Origin": ALLOWED_ORIGIN})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_cors_preflight(client):
    response = client.options("/api/suggest?q=专利", headers={
        "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_cors_origins_from_environment(monkeypatch, index_dir):
    from search_app import create_app

    monkeypatch.setenv("POLICY_SEARCH_CORS_ORIGINS", "http://a.example, http://b.example:8080/")
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    for origin in ("http://a.example", "http://b.example:8080"):
        assert client.get("/api/search?q=专利", headers={"Origin": origin}).headers[
            "Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/search?q=专利", headers={"Origin": "http://c.example"}).headers


def test_no_cors_by_default(index_dir, monkeypatch):
    from search_app import create_app

    monkeypatch.delenv("POLICY_SEARCH_CORS_ORIGINS", raising=False)
    client = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    response = client.get("/api/search?q=专利", headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers


# -- configuration ----------------------------------------------------------------------------

def test_config_defaults_environment_and_overrides():
    from search_app.config import DEFAULTS, load_config

    assert load_config(environ={}) == DEFAULTS
    env = {"POLICY_SEARCH_INDEX": "/srv/idx", "POLICY_SEARCH_MAX_PER_PAGE": "20",
           "POLICY_SEARCH_CORS_ORIGINS": "http://a.example,http://b.example"}
    config = load_config(environ=env)
    assert config["INDEX_DIR"] == "/srv/idx" and config["MAX_PER_PAGE"] == 20
    assert config["CORS_ORIGINS"] == ["http://a.example", "http://b.example"]
    explicit = load_config({"INDEX_DIR": "/tmp/x", "MAX_PER_PAGE": None}, environ=env)
    assert explicit["INDEX_DIR"] == "/tmp/x" and explicit["MAX_PER_PAGE"] == 20


@pytest.mark.parametrize("env", [
    {"POLICY_SEARCH_MAX_PER_PAGE": "many"},
    {"POLICY_SEARCH_MAX_PAGE": "0"},
    {"POLICY_SEARCH_CORS_ORIGINS": "intranet.example"},
    {"POLICY_SEARCH_DEFAULT_PER_PAGE": "60"},
])
def test_config_rejects_bad_values(env):
    from search_app.config import ConfigError, load_config

    with pytest.raises(ConfigError):
        load_config(environ=env)


def test_limits_from_config(fake_app, fakes):
    searcher = fakes.Searcher(result=fakes.result())
    client = fake_app(searcher, MAX_PER_PAGE=5, DEFAULT_PER_PAGE=2, MAX_QUERY_LENGTH=4).test_client()
    assert get_json(client, "/api/search?q=专利")["per_page"] == 2
    assert get_json(client, "/api/search?q=专利&per_page=6", status=400)["param"] == "per_page"
    assert get_json(client, "/api/search?q=专利质押融资", status=400)["param"] == "q"


# -- the shared searcher ----------------------------------------------------------------------

def test_searcher_is_created_once_and_shared(app, client):
    from search_app.searcher import Searcher

    searcher = app.extensions["policy_search"]
    assert isinstance(searcher, Searcher)
    for url in ("/api/search?q=专利", "/api/suggest?q=专利", "/healthz", "/search?q=专利", "/"):
        client.get(url)
    assert app.extensions["policy_search"] is searcher


def test_rebuilt_index_is_picked_up_without_restart(tmp_path, build_index_into, seed_corpus_copy):
    build = build_index_into
    from search_app import create_app

    corpus = seed_corpus_copy(tmp_path / "corpus")
    index = build([corpus], tmp_path / "index")
    client = create_app({"INDEX_DIR": str(index)}).test_client()
    before = get_json(client, "/healthz")
    assert get_json(client, "/api/search?q=量子通信")["total"] == 0

    (corpus / "新增措施.txt").write_text(
        "新增措施清单\n\n序号\t改革举措\t主要内容\t责任部门\n1\t量子通信网络试点\t开展量子通信网络建设试点。\t省科技厅\n",
        encoding="utf-8")
    build([corpus], index)

    after = get_json(client, "/healthz")
    assert after["generation"] != before["generation"] and after["documents"] == before["documents"] + 1
    hits = get_json(client, "/api/search?q=量子通信")["hits"]
    assert hits and hits[0]["measure_title"] == "量子通信网络试点"
