"""The reader features (issue 17) end to end in headless Chromium against a real server on the
small dated law collection of tests/reader_corpus.py: desktop 1280 px and a 390×844 phone.
Screenshots go to /tmp/screens/ (reader-*.png)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from tests.helpers import get_json, require_chromium, spawn_server, stop_server, wait_until_up
from tests.reader_corpus import CONTRACT, PROMOTION_NEW, build_reader_index

try:
    from playwright.sync_api import expect
except ImportError:      # require_chromium says so (and fails under CI)
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENS = Path("/tmp/screens")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    base = tmp_path_factory.mktemp("reader-browser")
    index = build_reader_index(base)
    proc = spawn_server(index, base / "server.log")
    try:
        wait_until_up(proc)
        status, _, health = get_json(proc.url + "/healthz")
        assert status == 200 and health["ok"], health
        yield SimpleNamespace(url=proc.url, log=base / "server.log")
    finally:
        stop_server(proc)


def open_page(browser, viewport=None, **options):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="zh-CN", **options)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
    page.on("response", lambda r: r.status >= 500 and page.problems.append(f"{r.status} {r.url}"))
    return context, page


@pytest.fixture
def desktop(browser):
    context, page = open_page(browser)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = open_page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


def screenshot(page, name, full_page=False):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"reader-{name}.png"), full_page=full_page)


def doc_url(server, doc_id, query=""):
    return f"{server.url}/doc/{quote(doc_id)}{query}"


def no_sideways_scroll(page) -> bool:
    return page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']}")   # the device, not a zoomed-out viewport


# -- results ----------------------------------------------------------------------------------

def test_sort_by_date_and_back_to_relevance(desktop, server):
    desktop.goto(server.url + "/search?q=应收账款融资")
    expect(desktop.locator(".arrange a[aria-current]").first).to_have_text("相关度")
    desktop.get_by_role("link", name="日期（新→旧）").click()
    desktop.wait_for_url("**sort=date**")
    first = desktop.locator("li.hit").first
    expect(first.locator(".hit-title")).to_contain_text("《测试融资管理条例》")
    expect(first.locator(".hit-meta")).to_contain_text("2020-05-01")
    dates = desktop.locator("li.hit .hit-meta").all_text_contents()
    shown = [d.split("日期：")[1][:10] if "日期：" in d else None for d in dates]
    dated = [d for d in shown if d]
    assert dated == sorted(dated, reverse=True)
    expect(desktop.locator("#q")).to_have_value("应收账款融资")
    screenshot(desktop, "results-by-date", full_page=True)
    assert not desktop.problems, desktop.problems


def test_the_advanced_form_without_javascript(browser, server):
    context, page = open_page(browser, java_script_enabled=False)
    page.goto(server.url + "/search?q=应收账款融资")
    page.locator("details.advanced > summary").click()
    page.get_by_label("发文机关").fill("全国人民代表大会常务委员会")
    page.get_by_label("日期自").fill("2013")
    page.get_by_label("版本").select_option("all")
    page.get_by_role("button", name="按条件检索").click()
    page.wait_for_url("**issuer=**")
    titles = set(page.locator("li.hit .hit-doc").all_text_contents())
    assert titles == {"《中华人民共和国测试促进法》"}
    expect(page.locator(".active-filters")).to_contain_text("发文机关：全国人民代表大会常务委员会")
    expect(page.locator(".active-filters")).to_contain_text("日期：2013 至 …")
    page.goto(server.url + "/search?q=应收账款融资&from=2018-13")          # a bad date: the reason, on the page
    expect(page.locator("#q-error")).to_contain_text("YYYY-MM-DD")
    context.close()


def test_group_by_document_expands(desktop, server):
    desktop.goto(server.url + "/search?q=应收账款融资&version=all&group=document")
    groups = desktop.locator("li.group")
    assert groups.count() >= 4
    promotion = groups.filter(has_text="中华人民共和国测试促进法").first
    expect(promotion.locator(".group-count")).to_have_text("命中 3 条")
    old = groups.filter(has=desktop.locator(".badge-historical")).first
    expect(old.locator(".validity")).to_have_count(1)                    # said once, for the document
    expect(old.locator(".validity")).to_contain_text("历史版本，现行版本：")
    desktop.goto(server.url + "/search?q=企业&group=document")
    seed = desktop.locator("li.group").filter(has_text="山西省支持创新相关改革措施推广清单").first
    expect(seed.locator(".group-count")).to_contain_text("项措施")
    assert seed.locator("details.group-more").count() == 1               # more than three of its measures
    more = seed.locator("details.group-more")
    assert not more.locator("li.hit").first.is_visible()
    more.locator(":scope > summary").click()
    expect(more.locator("li.hit").first).to_be_visible()
    screenshot(desktop, "results-grouped", full_page=True)
    assert not desktop.problems, desktop.problems


def test_did_you_mean_and_joined_marks(desktop, server):
    desktop.goto(server.url + "/search?q=专利质压")
    offer = desktop.locator(".did-you-mean a")
    expect(offer).to_have_text("专利质押")
    offer.click()
    desktop.wait_for_url("**q=%E4%B8%93%E5%88%A9%E8%B4%A8%E6%8A%BC**")
    marks = desktop.locator("li.hit .hit-text mark")
    assert "专利质押" in marks.all_text_contents()                      # one mark, no gap inside
    assert desktop.locator("li.hit .hit-text").first.evaluate("e => !e.innerHTML.includes('</mark><mark>')")


def test_a_historical_hit_links_its_current_version(desktop, server):
    desktop.goto(server.url + "/search?q=应收账款融资&version=historical")
    note = desktop.locator("li.hit .validity").first
    expect(note).to_contain_text("已被替代")
    note.get_by_role("link").click()
    desktop.wait_for_url("**/doc/**")
    assert desktop.evaluate("decodeURIComponent(location.pathname)") == "/doc/" + PROMOTION_NEW


def test_notices_and_counts_agree_with_what_is_shown(desktop, server):
    desktop.goto(server.url + "/search?q=企业")                         # every hit holds the word: no notice
    assert desktop.locator(".notice.partial").count() == 0
    facet = desktop.locator(".facets a", has_text="人行太原中心支行")
    count = int(facet.locator(".count").text_content())
    facet.click()
    desktop.wait_for_url("**dept=**")
    expect(desktop.locator(".results-summary strong")).to_have_text(str(count))   # the facet's count, as found
    desktop.goto(server.url + "/search?q=应收账款融资")                 # partial matches follow the exact ones
    expect(desktop.locator(".notice.partial")).to_be_visible()
    box = desktop.locator("#q")
    box.fill("")
    box.focus()
    desktop.keyboard.insert_text("融资" * 150)                          # pasted: the box keeps 200 characters
    assert len(box.input_value()) == 200
    box.press("Enter")
    desktop.wait_for_url("**/search?q=**")
    expect(desktop.locator(".notice.cut")).to_contain_text("超出的部分没有检索")


# -- the document view ------------------------------------------------------------------------

def test_document_view_marks_the_query_with_next_and_previous(desktop, server):
    desktop.goto(server.url + "/search?q=应收账款融资&category=经济法")
    desktop.locator("li.hit .hit-title a").first.click()
    desktop.wait_for_url("**/doc/**")
    expect(desktop.locator("#doc-q")).to_have_value("应收账款融资")
    marks = desktop.locator("mark.q")
    assert marks.count() >= 2
    nav = desktop.locator(".mark-nav")
    expect(nav).to_be_visible()
    desktop.get_by_role("button", name="下一处").click()
    expect(desktop.locator(".mark-pos")).to_have_text(f"第 1 / {marks.count()} 处")
    desktop.get_by_role("button", name="下一处").click()
    expect(desktop.locator(".mark-pos")).to_have_text(f"第 2 / {marks.count()} 处")
    assert marks.nth(1).evaluate("e => e.classList.contains('current')")
    desktop.get_by_role("button", name="上一处").click()
    expect(desktop.locator(".mark-pos")).to_have_text(f"第 1 / {marks.count()} 处")
    screenshot(desktop, "document", full_page=True)
    desktop.get_by_role("link", name="返回“应收账款融资”的检索结果").click()
    desktop.wait_for_url("**/search?q=**")
    expect(desktop.locator("li.hit").first).to_be_visible()
    assert not desktop.problems, desktop.problems


def test_table_of_contents_and_cross_references(desktop, server):
    desktop.goto(doc_url(server, PROMOTION_NEW))
    toc = desktop.locator("details.toc")
    expect(toc.locator("li.toc-level-3")).to_have_count(2)
    toc.get_by_role("link", name="第二节 应收账款").click()
    assert desktop.evaluate("decodeURIComponent(location.hash)") == "#h-4"
    desktop.locator("a.ref", has_text="本法第二十条").click()
    assert desktop.evaluate("decodeURIComponent(location.hash)") == "#第二十条"
    target = desktop.locator(":target")
    expect(target).to_have_text("第二十条")
    desktop.goto(doc_url(server, CONTRACT))
    desktop.locator("a.ref", has_text="《中华人民共和国测试促进法》第二十条").click()
    desktop.wait_for_url("**%E4%BF%83%E8%BF%9B%E6%B3%95**")
    assert desktop.evaluate("decodeURIComponent(location.pathname)") == "/doc/" + PROMOTION_NEW
    expect(desktop.locator(":target")).to_have_text("第二十条")
    assert desktop.locator(":target").evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")


def test_copy_citation_and_permalink(browser, server):
    context, page = open_page(browser, permissions=["clipboard-read", "clipboard-write"])
    page.goto(doc_url(server, CONTRACT))
    article = page.locator("section.measure", has=page.locator("#第三十九条"))
    article.get_by_role("button", name="复制引用").click()
    expect(article.locator(".cite-status")).to_have_text("已复制引用")
    copied = page.evaluate("navigator.clipboard.readText()")
    lines = copied.split("\n")
    assert lines[0] == "《中华人民共和国测试合同法》第三十九条"
    assert "合同应当载明融资期限" in lines[1]
    assert lines[-1].endswith("#%E7%AC%AC%E4%B8%89%E5%8D%81%E4%B9%9D%E6%9D%A1") and lines[-1].startswith(server.url)
    page.goto(lines[-1])                                                # the link lands on the article
    expect(page.locator(":target")).to_have_text("第三十九条")
    assert not page.problems, page.problems
    context.close()


def test_print_stylesheet_prints_the_text_only(desktop, server):
    desktop.goto(doc_url(server, CONTRACT, "?q=融资"))
    desktop.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".toc", ".in-doc", ".measure-tools", ".query-marks"):
        assert not desktop.locator(hidden).first.is_visible(), hidden
    expect(desktop.locator("h1")).to_be_visible()
    expect(desktop.locator("section.measure").first).to_be_visible()
    desktop.evaluate("document.body.classList.add('print-one');"
                     "document.querySelector('#m-39').classList.add('print-target')")
    assert desktop.locator("#m-39").is_visible() and not desktop.locator("#m-1").is_visible()
    desktop.emulate_media(media="screen")


# -- phone and status -------------------------------------------------------------------------

def test_on_a_phone_the_first_hit_is_visible_without_scrolling(phone, server):
    phone.goto(server.url + "/search?q=应收账款融资&version=all")
    first = phone.locator("li.hit").first
    box = first.bounding_box()
    assert box["y"] < PHONE["height"] - 100, box                         # its heading and text show
    assert no_sideways_scroll(phone)
    panel = phone.locator("details.facets-panel")
    assert panel.evaluate("d => !d.open")                               # folded on phones …
    results, facets = phone.locator(".results").bounding_box(), phone.locator(".facets").bounding_box()
    assert facets["y"] > results["y"]                                   # … and after the results
    screenshot(phone, "phone-results")
    panel.locator("summary").click()
    expect(panel.get_by_role("link", name="全部类别")).to_be_visible()
    screenshot(phone, "phone-results-filters-open", full_page=True)
    assert not phone.problems, phone.problems


def test_on_a_phone_the_document_folds_its_contents(phone, server):
    phone.goto(doc_url(server, PROMOTION_NEW, "?q=应收账款融资"))
    assert phone.locator("details.toc").evaluate("d => !d.open")
    assert no_sideways_scroll(phone)
    screenshot(phone, "phone-document")


def test_embed_does_not_scroll_sideways_on_a_phone(phone, server):
    phone.goto(server.url + "/embed")
    phone.locator(".preview policy-search input").fill("应收账款融资")
    phone.locator(".preview policy-search input").press("Enter")
    expect(phone.locator(".preview policy-search li.hit").first).to_be_visible()
    link = phone.locator(".preview policy-search li.hit a.title").first.get_attribute("href")
    assert "q=%E5%BA%94%E6%94%B6%E8%B4%A6%E6%AC%BE%E8%9E%8D%E8%B5%84" in link     # the document marks the query
    assert no_sideways_scroll(phone), phone.evaluate("document.documentElement.scrollWidth")
    screenshot(phone, "phone-embed", full_page=True)


def test_the_footers_status_is_a_readable_page(desktop, server):
    desktop.goto(server.url + "/")
    desktop.get_by_role("link", name="服务状态").click()
    desktop.wait_for_url("**/status")
    expect(desktop.locator("h1")).to_have_text("服务状态")
    expect(desktop.locator(".status-list")).to_contain_text("已收录文件")
    expect(desktop.locator(".status-list")).to_contain_text("7 份")
    assert desktop.evaluate("document.characterSet") == "UTF-8"


def test_server_log_has_no_errors(server):
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log
