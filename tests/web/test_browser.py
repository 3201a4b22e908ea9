"""End to end in headless Chromium against the real server (`policy-search serve`, waitress).

Also serves a host page from two other origins: one allowed by CORS, one not. The host page's
CSS is deliberately hostile, to show the widget's shadow DOM keeps it out (and keeps ours in).
Screenshots go to each test's tmp folder; one of each kind is copied to /tmp/screens/.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.helpers import (free_port, get_json, require_chromium, spawn_server, stop_server,
                           wait_until_up)

try:
    from playwright.sync_api import expect
except ImportError:      # the `browser` fixture says so (and fails under CI)
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENS = Path("/tmp/screens")
MEASURE_3 = "贷款、保险、财政风险补偿捆绑的专利权质押融资服务"

HOST_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Intranet host page</title>
<link rel="icon" href="data:,">
<style>
  * {{ color: red !important; font-size: 40px; font-family: "Courier New", monospace !important; }}
  mark {{ display: none; }}
  input, button {{ background: black !important; border: 6px solid lime !important; }}
  li {{ list-style: square; margin: 50px; }}
  a {{ text-decoration: none; }}
  body {{ background: #eef; }}
</style>
</head>
<body>
<h1>Host page</h1>
<p class="host-text">Content owned by the host page.</p>
<script src="{server}/widget.js" defer></script><policy-search></policy-search>
<p class="host-after">More host content.</p>
</body>
</html>
"""


@pytest.fixture(scope="module")
def servers(index_dir, tmp_path_factory):
    """The real server (CLI + waitress, CORS for the host origin via the environment) and two
    static host-page servers: `host` (allowed origin) and `stranger` (not allowed)."""
    require_chromium()       # no server for nothing: every test here needs the browser or its server
    host_port, stranger_port = free_port(), free_port()
    host_origin = f"http://127.0.0.1:{host_port}"
    log = tmp_path_factory.mktemp("server") / "server.log"
    server = spawn_server(index_dir, log, env_extra={"POLICY_SEARCH_CORS_ORIGINS": host_origin})
    site = tmp_path_factory.mktemp("host-site")
    (site / "host.html").write_text(HOST_PAGE.format(server=server.url), encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(site))
    statics = [http.server.ThreadingHTTPServer(("127.0.0.1", p), handler) for p in (host_port, stranger_port)]
    for static in statics:
        threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        wait_until_up(server)
        status, _, health = get_json(server.url + "/healthz")
        assert status == 200 and health["ok"], health
        yield SimpleNamespace(url=server.url, host=host_origin, stranger=f"http://127.0.0.1:{stranger_port}", log=log)
    finally:
        for static in statics:
            static.shutdown()
            static.server_close()
        stop_server(server)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.problems, page.failed = [], []
    page.on("pageerror", lambda exc: page.problems.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
    page.on("response", lambda r: r.status >= 500 and page.failed.append(r.url))
    yield page
    context.close()


def assert_clean(page):
    """No JS errors, CSP violations or 5xx (suggestions included: a broken feature fails here)."""
    assert not page.failed and not page.problems, (page.failed, page.problems)


def screenshot(page, tmp_path, name, full_page=False) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENS / path.name)
    return path


def in_viewport(locator) -> bool:
    return locator.evaluate("e => { const r = e.getBoundingClientRect();"
                            " return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }")


def style(locator, prop: str) -> str:
    return locator.evaluate(f"e => getComputedStyle(e).getPropertyValue({prop!r})")


# -- pages ------------------------------------------------------------------------------------

def test_search_page_to_marked_clause(page, servers, tmp_path):
    page.goto(servers.url + "/")
    box = page.get_by_label("检索词")
    expect(box).to_be_focused()                                        # autofocus on the home page
    box.fill("专利质押")
    page.get_by_role("button", name="检索").click()
    page.wait_for_url("**/search?q=*")

    expect(page.locator("#q")).to_have_value("专利质押")
    first = page.locator("li.hit").first
    expect(first.locator(".hit-title")).to_contain_text("第 3 项")
    expect(first.locator(".hit-title")).to_contain_text(MEASURE_3)
    marks = first.locator(".hit-text mark")
    assert marks.count() >= 1 and marks.first.is_visible()
    assert style(marks.first, "background-color") == "rgb(255, 224, 102)"
    expect(page.locator(".results-summary")).to_contain_text("条相关条款")
    expect(page.locator(".facets")).to_contain_text("省知识产权局")
    screenshot(page, tmp_path, "page-results", full_page=True)

    link = first.locator(".hit-title a")
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url("**/doc/**")
    clause_id = page.evaluate("decodeURIComponent(location.hash.slice(1))")
    assert clause_id.startswith("shanxi-innovation-reform-measures:3:") and clause_id in href.replace("%3A", ":")
    target = page.locator(":target")
    assert target.get_attribute("id") == clause_id
    assert "hl" in target.get_attribute("class")                      # server-side mark
    assert target.locator("mark.clause-mark").count() == 1
    assert style(target, "outline-style") == "solid"                  # CSS :target
    assert in_viewport(target)
    expect(page.locator("h1")).to_have_text("山西省支持创新相关改革措施推广清单")
    screenshot(page, tmp_path, "doc-page")
    assert_clean(page)                                 # no CSP violations, no JS errors


def test_pages_work_without_javascript(browser, servers):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(servers.url + "/")
    page.get_by_label("检索词").fill("专利质押")
    page.get_by_label("检索词").press("Enter")
    page.wait_for_url("**/search?q=*")
    expect(page.locator("li.hit").first).to_contain_text(MEASURE_3)
    page.locator(".facets a", has_text="省知识产权局").click()
    expect(page.locator(".chip")).to_contain_text("省知识产权局")
    context.close()


def test_keyboard_focus_order_on_results(page, servers):
    page.goto(servers.url + "/search?q=专利质押")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "brand"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "高级检索"     # the advanced form's disclosure
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "adv-issuer"          # … opens from the keyboard
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")                                              # … and closes
    passed = []
    for _ in range(8):                                                        # the order links, then the hits
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.hit') !== null"):
            break
        passed.append(page.evaluate("document.activeElement.textContent"))
    assert page.evaluate("document.activeElement.closest('.hit') !== null"), passed
    assert passed[-4:] == ["相关度", "日期（新→旧）", "逐条", "按文件归并"], passed
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"                                          # visible focus


def test_results_page_is_responsive(browser, servers, tmp_path):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(servers.url + "/search?q=专利质押")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    facets, results = page.locator(".facets").bounding_box(), page.locator(".results").bounding_box()
    assert facets["y"] > results["y"]                                  # stacked, the filters after the hits
    screenshot(page, tmp_path, "page-results-mobile")
    context.close()


# -- widget -----------------------------------------------------------------------------------

def test_widget_on_a_hostile_host_page(page, servers, tmp_path):
    api_responses = []
    page.on("response", lambda r: "/api/" in r.url and api_responses.append(r))
    page.goto(servers.host + "/host.html")
    widget = page.locator("policy-search")
    box = widget.locator("input")
    expect(box).to_have_attribute("role", "combobox")
    assert widget.locator("label").text_content() == "检索政策条款"

    # search with Enter
    box.fill("专利质押")
    box.press("Enter")
    hits = widget.locator("li.hit")
    expect(hits.first).to_contain_text(MEASURE_3)
    assert 1 <= hits.count() <= 5                                      # default result count
    expect(widget.locator(".status")).to_contain_text("共找到")
    mark = hits.first.locator("mark").first
    expect(mark).to_be_visible()

    # host styles stay out ...
    assert style(mark, "display") == "inline"
    assert style(mark, "background-color") == "rgb(255, 224, 102)"
    text = hits.first.locator(".text")
    assert style(text, "color") == "rgb(31, 35, 40)" and style(text, "font-size") == "15px"
    assert "Courier" not in style(text, "font-family") and "Noto Sans CJK SC" in style(text, "font-family")
    assert style(box, "background-color") == "rgb(255, 255, 255)"
    assert style(box, "border-top-width") == "1px"
    assert style(hits.first, "margin-top") == "0px" and style(hits.first, "list-style-type") == "none"
    # ... and ours stay in: the host page looks as it did, and no global style was added
    host_text = page.locator(".host-text")
    assert style(host_text, "color") == "rgb(255, 0, 0)" and style(host_text, "font-size") == "40px"
    assert page.evaluate("document.styleSheets.length") == 1
    assert page.evaluate("document.adoptedStyleSheets.length") == 0
    assert page.evaluate("Object.keys(window).filter(k => /policy.?search|widget/i.test(k))") == []

    # CORS: the API answered this (allowed) origin by name
    searched = [r for r in api_responses if "/api/search" in r.url]
    assert searched and all(r.status == 200 for r in searched)
    assert {r.headers.get("access-control-allow-origin") for r in searched} == {servers.host}
    screenshot(page, tmp_path, "widget-host", full_page=True)

    # result links lead to the clause in context on the search server
    href = hits.first.locator("a.title").get_attribute("href")
    assert href.startswith(servers.url + "/doc/") and "?hl=" in href
    assert hits.first.locator("a.title").get_attribute("target") == "_blank"
    page.goto(href)
    assert page.locator(":target").get_attribute("id").startswith("shanxi-innovation-reform-measures:3:")
    assert_clean(page)


def test_widget_suggestions_with_the_keyboard(page, servers):
    page.goto(servers.host + "/host.html")
    widget = page.locator("policy-search")
    box = widget.locator("input")
    box.click()
    box.press_sequentially("专利", delay=30)
    options = widget.locator("[role=option]")
    expect(options.first).to_be_visible()                             # typing opens the listbox
    expect(box).to_have_attribute("aria-expanded", "true")
    assert options.count() <= 8
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    if options.count() > 1:
        box.press("ArrowDown")
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        expect(options.first).to_have_attribute("aria-selected", "false")
        box.press("ArrowUp")
        expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Escape")                                                # Escape closes
    expect(widget.locator("[role=listbox]")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_be_focused()
    assert_clean(page)


def test_widget_enter_on_a_suggestion_searches_it(page, servers):
    page.goto(servers.host + "/host.html")
    box = page.locator("policy-search input")
    box.click()
    box.press_sequentially("专利", delay=30)
    first = page.locator("policy-search [role=option]").first
    expect(first).to_be_visible()
    chosen = first.text_content()
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value(chosen)
    expect(page.locator("policy-search [role=listbox]")).to_be_hidden()
    expect(page.locator("policy-search .status")).to_contain_text("条")


def test_widget_attributes(page, servers):
    page.goto(servers.host + "/host.html")
    page.evaluate("""() => {
        const w = document.createElement('policy-search');
        w.id = 'custom';
        w.setAttribute('endpoint', %r);
        w.setAttribute('results', '1');   // fewer than the 2 measures found: a 'more' link
        w.setAttribute('dept', '省知识产权局');
        document.body.append(w);
    }""" % servers.url)  # noqa: UP031  (JavaScript braces: no f-string)
    widget = page.locator("#custom")
    expect(widget.locator(".scope")).to_have_text("仅检索责任部门：省知识产权局")
    widget.locator("input").fill("专利")
    widget.locator("button").click()
    hits = widget.locator("li.hit")
    expect(hits.first).to_be_visible()
    assert hits.count() == 1
    expect(hits.first.locator(".meta")).to_contain_text("省知识产权局")
    more = widget.locator(".more a")
    expect(more).to_be_visible()
    assert more.get_attribute("href").startswith(servers.url + "/search?q=")


def test_widget_refused_by_cors_for_other_origins(page, servers):
    page.goto(servers.stranger + "/host.html")
    box = page.locator("policy-search input")
    box.fill("专利质押")
    box.press("Enter")
    status = page.locator("policy-search .status")
    expect(status).to_contain_text("POLICY_SEARCH_CORS_ORIGINS")        # the real reason, for the webmaster
    expect(status).to_contain_text(servers.stranger)
    assert "无法连接检索服务" not in status.text_content()
    assert page.locator("policy-search li.hit").count() == 0
    outcome = page.evaluate("url => fetch(url).then(() => 'allowed', () => 'blocked')",
                            servers.url + "/api/search?q=专利")
    assert outcome == "blocked"
    assert any("CORS" in p for p in page.problems)


def test_embed_page_preview_works_under_csp(page, servers, tmp_path):
    response = page.goto(servers.url + "/embed")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#snippet")).to_contain_text(f"{servers.url}/widget.js")
    expect(page.get_by_role("button", name="复制代码")).to_be_visible()   # shown by app.js
    widget = page.locator(".preview policy-search")
    widget.locator("input").fill("专利质押")
    widget.locator("input").press("Enter")
    expect(widget.locator("li.hit").first).to_contain_text(MEASURE_3)
    assert style(widget.locator("button"), "background-color") == "rgb(10, 88, 202)"   # styled under CSP
    screenshot(page, tmp_path, "embed-page", full_page=True)
    assert_clean(page)


def test_server_log_has_no_errors(servers):
    log = servers.log.read_text(errors="replace")
    lines = log.splitlines()
    failures = [lines[i - 1] if i else "" for i, line in enumerate(lines) if line.startswith("Traceback")]
    assert not failures, log
