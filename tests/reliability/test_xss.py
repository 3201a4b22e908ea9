"""XSS: a corpus document whose title, measure title, clause text and departments hold <script>,
<img onerror>, " and & — and a file name that does too — is indexed and searched; every page,
the API highlight and the widget show it as text. Pages carry a strict Content-Security-Policy,
and the widget works under it.

The hostile document (tests/reliability/conftest.py) sets `window.__xss` if any of it ever runs.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from tests.helpers import CHROMIUM, LAUNCH_ARGS, require_chromium, start_server, stop_server

from .conftest import HOSTILE_DOC_ID, HOSTILE_NAME_STEM

SCRIPT_TEXT = "<script>window.__xss='text'</script>"
IMG_TEXT = """<img src=x onerror="window.__xss='img'">"""
MEASURE_TITLE = """<img src=x onerror="window.__xss='measure'">量子密钥分发试点"""
DOC_TITLE = """<script>window.__xss="title"</script>安全测试清单 & “引号”"""
DEPARTMENTS = ["省科技厅<b>", '省"密码"管理局&']
MARK_ONLY = re.compile(r"(?:[^<]|<mark>|</mark>)*")


@pytest.fixture(scope="module")
def client(rel_app):
    return rel_app.test_client()


def hostile_hits(client, q="量子密钥"):
    data = client.get("/api/search", query_string={"q": q}).get_json()
    hits = [h for h in data["hits"] if h["doc_id"] == HOSTILE_DOC_ID]
    assert hits, data
    # a hit's other matching clauses carry the same text and highlight fields
    return data, hits + [dict(h, **c) for h in hits for c in h["clauses"]]


def soup_of(response) -> BeautifulSoup:
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_inert(soup: BeautifulSoup):
    """Nothing from the index became markup: only our own external scripts, no handlers, no
    injected elements, no javascript: URLs."""
    for script in soup.find_all("script"):
        assert script.get("src", "").startswith("/") and not script.string, script
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag
        for attr in ("href", "src", "action"):
            assert not str(tag.get(attr, "")).strip().lower().startswith("javascript:"), tag
    assert not soup.find_all(["img", "svg", "iframe", "object", "embed", "b"])


# -- API ---------------------------------------------------------------------------------------

def test_api_returns_hostile_fields_as_plain_json_strings(client):
    data, hits = hostile_hits(client)
    by_text = {h["text"]: h for h in hits}
    first = next(h for t, h in by_text.items() if SCRIPT_TEXT in t)
    assert first["doc_title"] == DOC_TITLE and first["measure_title"] == MEASURE_TITLE
    assert first["departments"] == DEPARTMENTS
    assert any(IMG_TEXT in t and '"密钥" &' in t for t in by_text)
    assert set(DEPARTMENTS) <= set(data["facets"]["departments"])
    response = client.get("/api/search", query_string={"q": "量子密钥"})
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_highlight_is_escaped_text_with_only_mark_tags(client):
    _, hits = hostile_hits(client)
    for hit in hits:
        html = hit["highlight"]
        assert MARK_ONLY.fullmatch(html), html
        assert "<mark>" in html
        # unescaping the highlight (minus the marks) gives back exactly the clause text
        import html as html_lib
        assert html_lib.unescape(html.replace("<mark>", "").replace("</mark>", "")) == hit["text"]
    joined = "".join(h["highlight"] for h in hits)
    assert "&lt;script&gt;" in joined and "&lt;img src=x onerror=" in joined and "&amp;" in joined
    assert "&#34;" in joined or "&quot;" in joined


@pytest.mark.parametrize("q", ["script", "onerror", "img", "xss", "window", "<script>", "&", '"密钥"', "mark",
                               "<mark>", "lt", "amp", "quot"])
def test_searching_for_the_markup_itself_never_marks_inside_an_entity_or_tag(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code in (200, 400)
    for hit in response.get_json().get("hits", []):
        assert MARK_ONLY.fullmatch(hit["highlight"]), hit["highlight"]
        assert not re.search(r"&[a-z#0-9]*<mark>|<mark>[a-z#0-9]*;", hit["highlight"]), hit["highlight"]


def test_suggestions_carry_hostile_titles_as_strings(client):
    data = client.get("/api/suggest", query_string={"q": "<"}).get_json()
    assert MEASURE_TITLE in data["suggestions"] or DOC_TITLE in data["suggestions"]
    assert client.get("/api/suggest", query_string={"q": "<"}).mimetype == "application/json"


# -- pages -------------------------------------------------------------------------------------

def test_search_page_shows_hostile_text_as_text(client):
    response = client.get("/search", query_string={"q": "量子密钥"})
    assert response.status_code == 200
    soup = soup_of(response)
    assert_inert(soup)
    text = soup.get_text()
    for literal in (SCRIPT_TEXT, IMG_TEXT, DOC_TITLE, MEASURE_TITLE, *DEPARTMENTS):
        assert literal in text, literal
    marks = soup.select(".hit-text mark")
    assert marks and all(m.get_text() in ("量子", "密钥", "量子密钥") for m in marks)


def test_facet_and_result_links_encode_hostile_values(client):
    soup = soup_of(client.get("/search", query_string={"q": "量子密钥"}))
    facet_links = [a["href"] for a in soup.select(".facets a")]
    assert any("dept=%E7%9C%81%E7%A7%91%E6%8A%80%E5%8E%85%3Cb%3E" in h for h in facet_links), facet_links
    assert all('"' not in h and "<" not in h and " " not in h for h in facet_links)
    for link in soup.select(".hit-title a"):
        assert "<" not in link["href"] and '"' not in link["href"]


def test_document_page_shows_hostile_text_as_text(client):
    response = client.get(f"/doc/{HOSTILE_DOC_ID}", query_string={"hl": f"{HOSTILE_DOC_ID}:1:1:1"})
    assert response.status_code == 200
    soup = soup_of(response)
    assert_inert(soup)
    assert soup.h1.get_text() == DOC_TITLE
    text = soup.get_text()
    for literal in (SCRIPT_TEXT, IMG_TEXT, MEASURE_TITLE, "、".join(DEPARTMENTS)):
        assert literal in text, literal
    assert soup.select_one(".clause.hl mark").get_text().startswith("开展量子密钥分发试点<script>")


def test_hostile_file_name_becomes_safe_ids_urls_and_anchors(client):
    data = client.get("/api/search", query_string={"q": "光量子芯片"}).get_json()
    hit = next(h for h in data["hits"] if h["doc_id"] == HOSTILE_NAME_STEM)
    soup = soup_of(client.get("/search", query_string={"q": "光量子芯片"}))
    assert_inert(soup)
    hrefs = [a["href"] for a in soup.select(".hit-title a")]
    assert any(h.startswith("/doc/evil%22'%3E%3Csvg%20onload") for h in hrefs), hrefs
    assert not any(c in h for h in hrefs for c in '<>" '), hrefs
    page = client.get("/doc/" + quote(hit["doc_id"], safe=""), query_string={"hl": hit["clause_id"]})
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    doc_soup = soup_of(page)
    assert_inert(doc_soup)
    assert doc_soup.find(id=hit["clause_id"]) is not None       # the id attribute holds the raw id, escaped
    in_doc = doc_soup.select_one("form.in-doc input[name=doc]")
    assert in_doc["value"] == hit["doc_id"]


@pytest.mark.parametrize("q", [
    "<script>window.__xss=1</script>", '" autofocus onfocus="window.__xss=1', "'><img src=x onerror=alert(1)>",
    "</textarea><svg onload=alert(1)>", "javascript:alert(1)", "{{7*7}}", "{% raw %}", "${7*7}",
])
def test_reflected_query_is_escaped_everywhere(client, q):
    for path in ("/search", "/api/search"):
        response = client.get(path, query_string={"q": q, "dept": q, "doc": q})
        assert response.status_code in (200, 400)
        if path == "/search":
            soup = soup_of(response)
            assert_inert(soup)
            assert soup.select_one("#q")["value"] == q
            assert "49" not in soup.get_text().replace(q, "")   # no template evaluation


@pytest.mark.parametrize("path", ["/doc/<script>alert(1)</script>", "/doc/%22onmouseover=alert(1)",
                                  "/<img src=x onerror=alert(1)>"])
def test_error_pages_escape_the_path(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert_inert(soup_of(response))


# -- Content-Security-Policy -------------------------------------------------------------------

def csp_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, response.headers
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/search?q=量子密钥", 200), ("/search?q=%22", 400), (f"/doc/{HOSTILE_DOC_ID}", 200),
    ("/embed", 200), ("/nope", 404), ("/doc/nope", 404),
])
def test_every_page_has_a_strict_csp(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    policy = csp_of(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "frame-ancestors" in policy and "default-src" in policy
    joined = " ".join(v for values in policy.values() for v in values)
    assert "unsafe-inline" not in joined and "unsafe-eval" not in joined and "*" not in joined.split()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/search?q=量子密钥", f"/doc/{HOSTILE_DOC_ID}", "/embed", "/nope"):
        soup = soup_of(client.get(path))
        assert all(s.get("src") and not s.string for s in soup.find_all("script")), path
        assert not soup.find_all("style") and not soup.find_all(style=True), path


def test_error_and_rate_limited_pages_have_the_csp_too(hostile_index):
    from search_app import create_app
    c = create_app({"INDEX_DIR": str(hostile_index), "TESTING": True, "RATE_LIMIT": "1/minute"}).test_client()
    remote = {"REMOTE_ADDR": "10.0.0.7"}
    c.get("/search?q=专利", environ_base=remote)
    limited = c.get("/search?q=专利", environ_base=remote)
    assert limited.status_code == 429 and csp_of(limited)["script-src"] == ["'self'"]
    assert csp_of(c.post("/search"))["script-src"] == ["'self'"]


# -- in a real browser --------------------------------------------------------------------------

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.alert = window.confirm = window.prompt = () => { window.__xss = 'dialog'; };
"""


@pytest.fixture(scope="module")
def browser_page(hostile_index, tmp_path_factory):
    playwright_api = require_chromium()          # under CI a missing browser fails
    server = start_server(hostile_index, tmp_path_factory.mktemp("xss-server") / "server.log")
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            context = browser.new_context(locale="zh-CN")
            context.add_init_script(WATCH)
            page = context.new_page()
            page.problems = []
            page.on("pageerror", lambda exc: page.problems.append(f"pageerror: {exc}"))
            page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
            page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
            yield page, server.url
            browser.close()
    finally:
        stop_server(server)


def assert_nothing_ran(page):
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__csp") == []
    assert page.problems == []


def test_browser_search_and_document_pages_run_nothing(browser_page):
    page, url = browser_page
    page.goto(url + "/search?q=" + quote("量子密钥"))
    page.wait_for_load_state("load")
    assert SCRIPT_TEXT in page.locator("ol.hits").inner_text()
    assert page.locator("ol.hits img, ol.hits script, ol.hits svg").count() == 0
    assert_nothing_ran(page)
    page.locator(".hit-title a").first.click()
    page.wait_for_url("**/doc/**")
    page.wait_for_load_state("load")
    assert DOC_TITLE == page.locator("h1").inner_text()
    assert_nothing_ran(page)
    page.goto(url + "/search?q=" + quote("光量子芯片"))
    page.locator(".hit-title a").first.click()
    page.wait_for_url("**/doc/**")
    assert page.locator("h1").inner_text() == "安全测试第二份清单"
    assert_nothing_ran(page)


def test_browser_widget_under_csp_shows_hostile_text_as_text(browser_page):
    page, url = browser_page
    response = page.goto(url + "/embed")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    widget = page.locator(".preview policy-search")
    widget.locator("input").fill("量子密钥")
    widget.locator("input").press("Enter")
    hits = widget.locator("li.hit")
    hits.first.wait_for()
    texts = hits.locator(".text, .also").all_inner_texts()   # its sentence and its article's others
    assert any(SCRIPT_TEXT in t for t in texts) and any(IMG_TEXT in t for t in texts), texts
    assert widget.locator(".text mark").count() >= 1
    assert widget.locator("li.hit img, li.hit script, li.hit svg, li.hit b").count() == 0
    titles = hits.locator(".title").all_inner_texts()
    assert any(MEASURE_TITLE in t for t in titles), titles
    assert any(DOC_TITLE in t for t in hits.locator(".meta").all_inner_texts())
    # styles reached the shadow root through a constructed stylesheet, which the CSP allows
    assert widget.evaluate("e => e.shadowRoot.adoptedStyleSheets.length") == 1
    assert widget.locator("button").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 88, 202)"
    assert_nothing_ran(page)
