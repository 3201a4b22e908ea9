"""Limits: query length, page and per_page bounds, request size (query string and body), and the
per-client rate limit (search_app/web/ratelimit.py) — in the app and through the real server."""
from __future__ import annotations

import pytest

from search_app import create_app
from search_app.config import ConfigError, load_config
from search_app.web.ratelimit import MAX_QUERY_STRING, TokenBucket, is_loopback, parse_rate

from tests.conftest import raw_http

from .conftest import get_json, http_get

CLIENT = {"REMOTE_ADDR": "10.1.2.3"}
OTHER = {"REMOTE_ADDR": "10.9.9.9"}


@pytest.fixture(scope="module")
def client(rel_app):
    return rel_app.test_client()


def make_client(index, **config):
    return create_app({"INDEX_DIR": str(index), "TESTING": True, **config}).test_client()


# -- query length, paging ----------------------------------------------------------------------

def test_query_length_bound_is_the_configured_one(client, rel_app):
    limit = rel_app.config["MAX_QUERY_LENGTH"]
    assert client.get("/api/search", query_string={"q": "专" * limit}).status_code == 200
    response = client.get("/api/search", query_string={"q": "专" * (limit + 1)})
    assert response.status_code == 400
    body = response.get_json()
    assert body["param"] == "q" and str(limit) in body["error"] and str(limit + 1) in body["error"]
    page = client.get("/search", query_string={"q": "专" * (limit + 1)})
    assert page.status_code == 400 and "检索词过长" in page.get_data(as_text=True)


def test_query_length_is_counted_after_trimming(client, rel_app):
    limit = rel_app.config["MAX_QUERY_LENGTH"]
    assert client.get("/api/search", query_string={"q": "  " + "专" * limit + "  "}).status_code == 200


@pytest.mark.parametrize("name, good, bad", [
    ("page", ["1", "1000"], ["0", "1001", "-1", "1.5", "x", "", " ", "１", "99999999999"]),
    ("per_page", ["1", "50"], ["0", "51", "-5", "1e1", "ten", "１０"]),
])
def test_paging_bounds(client, name, good, bad):
    for value in good:
        response = client.get("/api/search", query_string={"q": "专利", name: value})
        assert response.status_code == 200, (value, response.get_json())
        assert response.get_json()[name] == int(value)
    for value in bad:
        response = client.get("/api/search", query_string={"q": "专利", name: value})
        assert response.status_code == 400, value
        assert response.get_json()["param"] == name
        page = client.get("/search", query_string={"q": "专利", name: value})
        assert page.status_code == 400, value


def test_deepest_page_answers_quickly(client):
    import time
    start = time.perf_counter()
    data = client.get("/api/search?q=企业&page=1000&per_page=50").get_json()
    assert data["hits"] == [] and data["page"] == 1000
    assert time.perf_counter() - start < 5


def test_filters_are_bounded(client):
    assert client.get("/api/search", query_string={"q": "专利", "dept": "部" * 200}).status_code == 200
    response = client.get("/api/search", query_string={"q": "专利", "dept": "部" * 201})
    assert response.status_code == 400 and response.get_json()["param"] == "dept"


# -- request size --------------------------------------------------------------------------------

def test_body_larger_than_max_content_length_is_413(client, rel_app):
    limit = rel_app.config["MAX_CONTENT_LENGTH"]
    assert limit == 16 * 1024
    small = client.get("/api/search?q=专利", data=b"x" * 100)
    assert small.status_code == 200
    for path in ("/api/search?q=专利", "/healthz", "/static/app.js"):
        response = client.get(path, data=b"x" * (limit + 1))
        assert response.status_code == 413, path
    assert "16384" in client.get("/api/search?q=专利", data=b"x" * (limit + 1)).get_json()["error"]
    page = client.get("/search?q=专利", data=b"x" * (limit + 1))
    assert page.status_code == 413 and page.mimetype == "text/html"


def test_max_content_length_is_configurable(hostile_index):
    c = make_client(hostile_index, MAX_CONTENT_LENGTH=10)
    assert c.get("/api/search?q=专利", data=b"x" * 10).status_code == 200
    assert c.get("/api/search?q=专利", data=b"x" * 11).status_code == 413


def test_query_string_bound_allows_every_valid_request(client, rel_app):
    """The longest valid q, dept and doc, every character percent-encoded, still fits."""
    from urllib.parse import urlencode
    longest = urlencode({"q": "𠮷" * 200, "dept": "𠮷" * 200, "doc": "𠮷" * 200, "page": "1000", "per_page": "50"})
    assert len(longest) <= MAX_QUERY_STRING
    assert client.get("/api/search", environ_overrides={"QUERY_STRING": longest}).status_code == 200


def test_request_size_limits_through_the_real_server(serve, hostile_index):
    server = serve(hostile_index)
    head = b"Host: x\r\nConnection: close\r\n"
    status = lambda reply: reply.split(b"\r\n", 1)[0]  # noqa: E731
    # a query string over the app's bound: 414 from the app, as JSON
    reply = raw_http(server.port, b"GET /api/search?q=" + b"a" * 20_000 + b" HTTP/1.1\r\n" + head + b"\r\n")
    assert b" 414 " in status(reply) and b'"error"' in reply
    # a request line over waitress's header limit (256 KiB): refused by waitress itself
    reply = raw_http(server.port, b"GET /api/search?q=" + b"a" * 300_000 + b" HTTP/1.1\r\n" + head + b"\r\n")
    assert b" 431 " in status(reply)
    # a body, with Content-Length or chunked: 413
    reply = raw_http(server.port, b"GET /api/search?q=a HTTP/1.1\r\n" + head + b"Content-Length: 100000\r\n\r\n"
                     + b"x" * 100_000)
    assert b" 413 " in status(reply)
    chunk = b"x" * 0x8000
    reply = raw_http(server.port, b"GET /api/search?q=a HTTP/1.1\r\n" + head + b"Transfer-Encoding: chunked\r\n\r\n"
                     + b"8000\r\n" + chunk + b"\r\n0\r\n\r\n")
    assert b" 413 " in status(reply)
    # raw non-ASCII bytes in the request line: waitress refuses them before the app
    reply = raw_http(server.port, b"GET /api/search?q=\xff\xfe HTTP/1.1\r\n" + head + b"\r\n")
    assert b" 400 " in status(reply)
    # and the server still answers normally afterwards
    status_code, _, body = get_json(server.url + "/api/search?q=%E4%B8%93%E5%88%A9")
    assert status_code == 200 and body["hits"]


# -- rate limit: parsing, the bucket ------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("60/minute", (60, 60)), ("5/second", (5, 1)), ("1000/hour", (1000, 3600)), ("10000/day", (10000, 86400)),
    ("120/5minutes", (120, 300)), ("2 per second", (2, 1)), ("30/min", (30, 60)), ("7/s", (7, 1)),
    ("10/30s", (10, 30)), (" 60 / Minute ", (60, 60)),
    (None, None), ("", None), ("off", None), ("none", None), ("0", None),
])
def test_parse_rate(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["60", "minute", "60/fortnight", "0/minute", "-5/minute", "10/0s", "x/s", "60/"])
def test_parse_rate_refuses_nonsense_at_startup(text, hostile_index):
    with pytest.raises(ConfigError, match="RATE_LIMIT"):
        parse_rate(text)
    with pytest.raises(ConfigError):
        make_client(hostile_index, RATE_LIMIT=text)


def test_rate_limit_settings_from_the_environment():
    config = load_config(environ={"POLICY_SEARCH_RATE_LIMIT": "10/minute", "POLICY_SEARCH_RATE_LIMIT_LOOPBACK": "yes",
                                  "POLICY_SEARCH_MAX_CONTENT_LENGTH": "1024", "POLICY_SEARCH_TRUSTED_PROXIES": "1"})
    assert config["RATE_LIMIT"] == "10/minute" and config["RATE_LIMIT_LOOPBACK"] is True
    assert config["MAX_CONTENT_LENGTH"] == 1024 and config["TRUSTED_PROXIES"] == 1
    defaults = load_config(environ={})
    assert defaults["RATE_LIMIT"] is None and defaults["RATE_LIMIT_LOOPBACK"] is False
    assert defaults["TRUSTED_PROXIES"] == 0
    with pytest.raises(ConfigError, match="RATE_LIMIT_LOOPBACK"):
        load_config(environ={"POLICY_SEARCH_RATE_LIMIT_LOOPBACK": "maybe"})
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config(environ={"POLICY_SEARCH_TRUSTED_PROXIES": "-1"})


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_refills_at_the_rate():
    clock = Clock()
    bucket = TokenBucket(3, 60, clock=clock)
    assert [bucket.take("a") for _ in range(3)] == [0, 0, 0]
    wait = bucket.take("a")
    assert wait == pytest.approx(20)              # one token every 60/3 s
    assert bucket.take("b") == 0                  # other clients have their own bucket
    clock.now += 19.9
    assert bucket.take("a") > 0
    clock.now += 0.2
    assert bucket.take("a") == 0 and bucket.take("a") > 0
    clock.now += 3600                             # never more than the burst after a long pause
    assert [bucket.take("a") for _ in range(4)][-1] > 0


def test_token_bucket_memory_is_bounded():
    clock = Clock()
    bucket = TokenBucket(2, 1, clock=clock, max_keys=100)
    for i in range(1000):
        bucket.take(f"10.0.{i // 256}.{i % 256}")
        clock.now += 0.001
    assert len(bucket._buckets) <= 101
    bucket.take("busy")
    bucket.take("busy")
    assert bucket.take("busy") > 0                # a recent, empty bucket is still remembered


def test_token_bucket_is_thread_safe():
    import threading
    bucket = TokenBucket(500, 3600)
    granted = []

    def worker():
        granted.append(sum(1 for _ in range(100) if bucket.take("k") == 0))

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) == 500


@pytest.mark.parametrize("address, loopback", [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True),
                                                ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("", False),
                                                (None, False), ("garbage", False), ("fe80::1%eth0", False)])
def test_is_loopback(address, loopback):
    assert is_loopback(address) is loopback


# -- rate limit: in the app ---------------------------------------------------------------------

def test_rate_limit_is_off_by_default(client):
    for _ in range(100):
        assert client.get("/api/suggest?q=专", environ_base=CLIENT).status_code == 200


def test_rate_limit_per_client(hostile_index):
    c = make_client(hostile_index, RATE_LIMIT="3/minute")
    assert [c.get("/api/search?q=专利", environ_base=CLIENT).status_code for _ in range(3)] == [200] * 3
    limited = c.get("/api/search?q=专利", environ_base=CLIENT)
    assert limited.status_code == 429
    assert limited.mimetype == "application/json" and "请求过于频繁" in limited.get_json()["error"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 20
    assert c.get("/api/suggest?q=专", environ_base=CLIENT).status_code == 429      # one budget for the API
    page = c.get("/search?q=专利", environ_base=CLIENT)                            # and the searching pages
    assert page.status_code == 429 and page.mimetype == "text/html" and int(page.headers["Retry-After"]) >= 1
    assert "请求过于频繁" in page.get_data(as_text=True)
    assert c.get("/api/search?q=专利", environ_base=OTHER).status_code == 200       # another client is not
    for path in ("/healthz", "/static/app.js", "/widget.js", "/", "/embed"):       # cheap routes are not limited
        assert c.get(path, environ_base=CLIENT).status_code == 200, path


def test_loopback_is_exempt_unless_asked(hostile_index):
    c = make_client(hostile_index, RATE_LIMIT="2/minute")
    local = {"REMOTE_ADDR": "127.0.0.1"}
    assert {c.get("/api/search?q=专利", environ_base=local).status_code for _ in range(10)} == {200}
    c = make_client(hostile_index, RATE_LIMIT="2/minute", RATE_LIMIT_LOOPBACK=True)
    codes = [c.get("/api/search?q=专利", environ_base=local).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_forwarded_for_is_ignored_without_trusted_proxies(hostile_index):
    """A client cannot dodge the limit by inventing X-Forwarded-For addresses."""
    c = make_client(hostile_index, RATE_LIMIT="2/minute")
    codes = [c.get("/api/search?q=专利", environ_base=CLIENT, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
             for i in range(3)]
    assert codes == [200, 200, 429]


def test_trusted_proxy_forwarded_for_names_the_client(hostile_index):
    """Behind one proxy on loopback: each forwarded client has its own bucket, and the proxy's
    own loopback address does not exempt them."""
    c = make_client(hostile_index, RATE_LIMIT="2/minute", TRUSTED_PROXIES=1)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    def get(client_ip, spoof=None):
        chain = f"{spoof}, {client_ip}" if spoof else client_ip
        return c.get("/api/search?q=专利", environ_base=proxy, headers={"X-Forwarded-For": chain}).status_code

    assert [get("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert get("203.0.113.6") == 200
    # the proxy appends the real address; what the client wrote before it is not trusted
    assert get("203.0.113.5", spoof="198.51.100.1") == 429


def test_rate_limit_through_the_real_server(serve, hostile_index):
    server = serve(hostile_index, POLICY_SEARCH_RATE_LIMIT="4/minute", POLICY_SEARCH_RATE_LIMIT_LOOPBACK="1")
    codes = [http_get(server.url + "/api/search?q=%E4%B8%93%E5%88%A9")[0] for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    status, headers, body = http_get(server.url + "/api/suggest?q=%E4%B8%93")
    assert status == 429 and int(headers["Retry-After"]) >= 1 and b'"error"' in body
    assert http_get(server.url + "/healthz")[0] == 200


# -- issue 12: percent-encoded bytes that are not UTF-8, OPTIONS, the Host header ------------------

@pytest.mark.parametrize("raw", ["%FF", "%ED%A0%80", "%C0%AF", "%E4%B8"])
@pytest.mark.parametrize("route", ["/api/search", "/search", "/api/suggest"])
def test_percent_encoded_non_utf8_is_400(rel_client, raw, route):
    """%FF and friends decode to no text: 400, never a search for the replacement character."""
    response = rel_client.get(f"{route}?q={raw}")
    assert response.status_code == 400, (route, raw, response.status_code)


def test_percent_encoded_utf8_still_searches(rel_client):
    assert rel_client.get("/api/search?q=%E9%87%8F%E5%AD%90").status_code == 200


@pytest.mark.parametrize("path", ["/", "/search?q=量子", "/api/search?q=量子", "/healthz", "/embed", "/widget.js"])
def test_options_is_405(rel_client, path):
    response = rel_client.options(path)
    assert response.status_code == 405 and set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_options_preflight_only_for_allowed_origins(hostile_index):
    from search_app import create_app
    client = create_app({"INDEX_DIR": str(hostile_index), "CORS_ORIGINS": "https://portal.example"}).test_client()
    ask = {"Access-Control-Request-Method": "GET"}
    ok = client.options("/api/search?q=量子", headers={"Origin": "https://portal.example", **ask})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "https://portal.example"
    assert client.options("/api/search?q=量子", headers={"Origin": "https://evil.example", **ask}).status_code == 405
    assert client.options("/search?q=量子", headers={"Origin": "https://portal.example", **ask}).status_code == 405


def test_embed_snippet_uses_the_configured_public_url_not_host(hostile_index):
    from search_app import create_app
    app = create_app({"INDEX_DIR": str(hostile_index), "PUBLIC_URL": "https://search.intranet.example/"})
    body = app.test_client().get("/embed", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in body
    assert "https://search.intranet.example/widget.js" in body


def test_embed_without_public_url_escapes_the_host(rel_client):
    body = rel_client.get("/embed", headers={"Host": 'x"><svg onload=alert(1)>'}).get_data(as_text=True)
    assert "<svg onload" not in body


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "https://a.example/x?y=1", 'https://a"b.example'])
def test_public_url_is_checked_at_start(bad):
    from search_app.config import ConfigError, load_config
    with pytest.raises(ConfigError):
        load_config({"PUBLIC_URL": bad}, environ={})


# -- issue 12: one enormous clause or row ------------------------------------------------------------

def test_check_names_an_over_long_row_with_file_and_line(tmp_path):
    from click.testing import CliRunner

    from indexer.cli import main
    from indexer.model import MAX_LINE_CHARS
    from tests.conftest import copy_corpus
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "huge.txt").write_text("巨大清单\n\n序号\t改革举措\t主要内容\t责任部门\n1\t措施\t短。\t省科技厅\n"
                                     f"2\t措施\t{'很长的内容，' * (MAX_LINE_CHARS // 6 + 1)}\t省科技厅\n", encoding="utf-8")
    done = CliRunner().invoke(main, ["check", "--corpus", str(corpus)])
    assert done.exit_code == 1
    assert f"{corpus / 'huge.txt'}:5: line of" in done.output


def test_a_huge_paragraph_is_indexed_as_bounded_clauses_and_answers_are_bounded(tmp_path):
    from indexer.build import build_index
    from indexer.model import MAX_CLAUSE_CHARS
    from tests.conftest import copy_corpus
    corpus, index = copy_corpus(tmp_path / "corpus"), tmp_path / "index"
    body = "量子密钥分发网络建设" * 20_000            # 200k characters, no sentence end
    (corpus / "huge.html").write_text(f"<html><head><title>巨大页面</title></head><body><h1>巨大页面</h1>"
                                      f"<p>{body}</p></body></html>", encoding="utf-8")
    build_index([corpus], index)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    response = client.get("/api/search?q=量子密钥&per_page=50")
    assert response.status_code == 200
    hits = response.get_json()["hits"]
    assert hits and all(len(h["text"]) <= MAX_CLAUSE_CHARS for h in hits)
    assert len(response.data) < 50 * 5 * MAX_CLAUSE_CHARS * 3          # bytes: text + highlight per hit
