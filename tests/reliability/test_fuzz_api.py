"""Hostile input to every HTTP route (through the WSGI app, as waitress would call it): arbitrary
parameter values, raw query strings with invalid percent-encoding and UTF-8, repeated and
unknown parameters, huge values, odd methods. Always an answer the client can use: 200, or
400/404/405 with a reason (JSON {"error": …} under /api); never a 500, never a hang."""
from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

REQUEST_SECONDS = 5.0
# no Hypothesis deadline: timed_get bounds each request itself, so a slow first call fails plainly
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(max_size=250)
words = st.sampled_from(["专利", "质押", "量子", "OR", "NOT", "-", '"', "“", "部门:", "doc:", "foo:", "(", "）",
                         "<script>", "&", "%", "\x00", "\u200b", " "])
query_value = text | st.lists(words, max_size=20).map(" ".join)
number_value = st.one_of(st.integers(-10, 2000).map(str), st.sampled_from(
    ["", " ", "0", "01", "1.0", "1e3", "-0", "+1", "０", "١", "²", "9" * 30, "NaN", "inf", "None", "0x10"]), text)
params = st.fixed_dictionaries({}, optional={
    "q": query_value, "page": number_value, "per_page": number_value, "dept": text, "doc": text,
    "category": text, "province": text, "version": text, "hl": text, "callback": text, "format": text})


@pytest.fixture(scope="module")
def client(rel_app):
    return rel_app.test_client()


def timed_get(client, path, **kw):
    start = time.perf_counter()
    response = client.get(path, **kw)
    elapsed = time.perf_counter() - start
    assert elapsed < REQUEST_SECONDS, f"{path} {str(kw)[:200]} took {elapsed:.1f} s"
    return response


def check_json(response, ok=(200, 400)):
    assert response.status_code in ok, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    data = response.get_json()
    if response.status_code != 200:
        assert isinstance(data.get("error"), str) and data["error"].strip(), data
    return data


def check_html(response, ok=(200, 400)):
    assert response.status_code in ok, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    assert "Content-Security-Policy" in response.headers
    return response.get_data(as_text=True)


@FUZZ
@given(params)
@example({"q": "专利", "page": "1", "per_page": "50"})
@example({"q": "专利", "page": "0"})
@example({"q": "专利", "per_page": "51"})
@example({"q": "专利", "page": "1001"})
@example({"q": "专利", "page": "٣"})
@example({"q": "专利", "dept": "x" * 201})
@example({"q": "foo:bar"})
@example({"q": '"专利'})
@example({"q": "\x00"})
@example({})
def test_api_search_answers_every_parameter_set(client, p):
    data = check_json(timed_get(client, "/api/search", query_string=p))
    if "hits" in data:
        assert isinstance(data["hits"], list) and data["total"] >= len(data["hits"])


@FUZZ
@given(st.fixed_dictionaries({}, optional={"q": query_value, "limit": number_value}))
def test_api_suggest_answers_every_parameter_set(client, p):
    data = check_json(timed_get(client, "/api/suggest", query_string=p))
    if "suggestions" in data:
        assert all(isinstance(s, str) for s in data["suggestions"])


@FUZZ
@given(params)
def test_search_page_answers_every_parameter_set(client, p):
    if "q" not in p:
        assert timed_get(client, "/search", query_string=p).status_code == 302
        return
    body = check_html(timed_get(client, "/search", query_string=p))
    assert "<script>" not in body.replace('<script src="', "")


@FUZZ
@given(st.text(min_size=1, max_size=120), st.one_of(st.none(), text))
@example("hostile-doc", "hostile-doc:1:1:1")
@example("..", None)
@example("../../etc/passwd", None)
@example("%2e%2e/", None)
@example("shanxi-innovation-reform-measures", "<script>")
def test_document_page_answers_any_id(client, doc_id, hl):
    path = "/doc/" + quote(doc_id, safe="")
    response = timed_get(client, path, query_string={"hl": hl} if hl is not None else {})
    check_html(response, ok=(200, 404, 308))


RAW_QUERY_STRINGS = [
    b"q=%ff%fe", b"q=%", b"q=%%", b"q=%zz", b"q=%e4%b8", b"q=\xff\xfe", b"q=%00%01%02",
    b"q=%E4%B8%93%E5%88%A9&q=%E8%B4%A8%E6%8A%BC", b"q=" + b"%E4%B8%93" * 1500, b"q=a&page=1&page=2",
    b"q=a&page[]=1", b"q[]=a", b"&&&&", b"=", b"q", b"q=&q=a", b"q=a" + b"&x=1" * 2000,
    b"q=a&" + b"x" * 10_000 + b"=1", b"q=%E4%B8%93&per_page=%EF%BC%91", b"q=%2B%2B%2B",
]


@pytest.mark.parametrize("raw", RAW_QUERY_STRINGS, ids=lambda b: repr(b[:30]))
@pytest.mark.parametrize("path", ["/api/search", "/api/suggest"])
def test_raw_query_strings_on_the_api(client, path, raw):
    check_json(timed_get(client, path, environ_overrides={"QUERY_STRING": raw.decode("latin-1")}))


@pytest.mark.parametrize("raw", RAW_QUERY_STRINGS, ids=lambda b: repr(b[:30]))
def test_raw_query_strings_on_the_page(client, raw):
    response = timed_get(client, "/search", environ_overrides={"QUERY_STRING": raw.decode("latin-1")})
    if response.status_code != 302:
        check_html(response)


@pytest.mark.parametrize("size", [201, 1_000])
def test_long_query_is_a_400_with_the_limit(client, size):
    data = check_json(timed_get(client, "/api/search", query_string={"q": "专" * size}), ok=(400,))
    assert "200" in data["error"] and data.get("param") == "q"
    body = check_html(timed_get(client, "/search", query_string={"q": "专" * size}), ok=(400,))
    assert "检索词过长" in body


def test_huge_query_string_is_refused_before_it_is_decoded(client):
    """Longer than any valid request (3 parameters of 200 characters, percent-encoded): 414."""
    for raw in ("q=" + "%E4%B8%93" * 3000, "q=a&x=" + "b" * 20_000, "x=" * 10_000):
        data = check_json(timed_get(client, "/api/search", environ_overrides={"QUERY_STRING": raw}), ok=(414,))
        assert "字节" in data["error"]
    body = check_html(timed_get(client, "/search", environ_overrides={"QUERY_STRING": "q=" + "a" * 20_000}),
                      ok=(414,))
    assert "请求地址过长" in body


@pytest.mark.parametrize("raw", [b"q=\xff\xfe", b"q=\xe4\xb8", b"q=a&dept=\xc0\xaf"], ids=repr)
def test_query_string_that_is_not_utf8_is_a_400(client, raw):
    """Raw (not percent-encoded) bytes pass through waitress as latin-1 and made Werkzeug raise."""
    environ = {"QUERY_STRING": raw.decode("latin-1")}
    data = check_json(timed_get(client, "/api/search", environ_overrides=environ), ok=(400,))
    assert "UTF-8" in data["error"]
    assert "UTF-8" in check_html(timed_get(client, "/search", environ_overrides=environ), ok=(400,))


@pytest.mark.parametrize("q", ["", " ", "\t\n"])
def test_empty_query_is_a_400_with_a_reason(client, q):
    data = check_json(timed_get(client, "/api/search", query_string={"q": q}), ok=(400,))
    assert data["param"] == "q"


@pytest.mark.parametrize("q, fragment", [("foo:bar", "unknown field"), ("title:专利", "unknown field"),
                                         ('"专利', "quote"), ("-专利", "exclud"), ("OR 专利", "OR")])
def test_bad_queries_are_400_with_the_parser_reason(client, q, fragment):
    data = check_json(timed_get(client, "/api/search", query_string={"q": q}), ok=(400,))
    assert fragment in data["error"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/search?q=专利", "/api/suggest?q=专", "/healthz"])
def test_other_methods_on_the_api_are_405_json(client, method, path):
    response = client.open(path, method=method, data=b"x" * 100)
    assert response.status_code == 405
    assert response.get_json()["error"]
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/search?q=专利", "/doc/hostile-doc", "/embed"])
def test_other_methods_on_pages_are_405(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/nope", "/api/nope", "/api/", "/static/../setup.cfg", "/static/%2e%2e/app.js",
                                  "/doc/", "/widget.js/x", "/" + "a" * 5000])
def test_unknown_paths_are_404(client, path):
    response = timed_get(client, path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.get_json()["error"]


@pytest.mark.parametrize("headers", [
    {"Accept": "*/*" * 1000}, {"Accept-Language": "zh;q=x"}, {"Origin": "null"}, {"Origin": "http://evil.example"},
    {"Host": "evil.example"}, {"X-Forwarded-For": "1.2.3.4, <script>"}, {"Content-Type": "application/json"},
    {"Cookie": "a=" + "b" * 4000}, {"If-Modified-Since": "garbage"}, {"Range": "bytes=99999-"},
])
def test_odd_headers_do_not_break_the_api(client, headers):
    check_json(timed_get(client, "/api/search?q=专利", headers=headers), ok=(200,))
