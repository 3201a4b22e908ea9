"""Server-rendered pages: content, escaping, error paths and the security headers they carry."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

SEED_DOC = "shanxi-innovation-reform-measures"
MEASURE_3 = "贷款、保险、财政风险补偿捆绑的专利权质押融资服务"


def page(client, url, status=200, **kw):
    response = client.get(url, **kw)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    check_page_headers(response)
    body = response.get_data(as_text=True)
    check_markup(body)
    return body


def check_page_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


class Markup(HTMLParser):
    """Collects what CSP and accessibility checks need from a page."""

    def __init__(self, body):
        super().__init__()
        self.tags, self.inline_script, self.in_script = [], [], False
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.inline_script.append(data)


def check_markup(body):
    assert body.startswith("<!doctype html>")
    assert '<html lang="zh-CN">' in body and '<meta charset="utf-8">' in body
    assert '<meta name="viewport"' in body
    parsed = Markup(body)
    # CSP forbids inline code: every script has a src, no <style>, no style= or on*= attributes
    assert not parsed.inline_script
    for tag, attrs in parsed.tags:
        assert tag != "style"
        assert tag != "script" or attrs.get("src"), attrs
        assert not [a for a in attrs if a == "style" or a.startswith("on")], (tag, attrs)
    # every visible input has a label
    labels = {attrs.get("for") for tag, attrs in parsed.tags if tag == "label"}
    for tag, attrs in parsed.tags:
        if tag == "input" and attrs.get("type") != "hidden":
            assert attrs.get("id") in labels, attrs


def links(body):
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', body)]


def hit_blocks(body):
    return re.findall(r'<li class="hit">(.*?)</li>\s*(?=<li class="hit">|</ol>)', body, re.S)


# -- home -------------------------------------------------------------------------------------

def test_home_has_a_labelled_search_box(client):
    body = page(client, "/")
    assert re.search(r'<form[^>]+role="search"[^>]+action="/search"[^>]+method="get"', body)
    assert '<label for="q"' in body and 'name="q"' in body
    assert "已收录 2 份文件" in body
    assert 'href="/static/site.css"' in body and 'src="/static/app.js"' in body


def test_static_files(client):
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "Noto Sans CJK SC" in css.get_data(as_text=True) and "Microsoft YaHei" in css.get_data(as_text=True)
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.mimetype
    assert js.headers["X-Content-Type-Options"] == "nosniff"


# -- results ----------------------------------------------------------------------------------

def test_results_page(client):
    body = page(client, "/search?q=专利质押")
    assert 'value="专利质押"' in body                                   # query kept in the box
    assert re.search(r"共找到 <strong>\d+</strong> 条相关条款", body)
    first = hit_blocks(body)[0]
    assert "第 3 项" in first and MEASURE_3 in first
    assert "<mark>" in first and "山西省支持创新相关改革措施推广清单" in first
    assert "人行太原中心支行" in first and "省知识产权局" in first
    href = html.unescape(re.search(r'<a href="([^"]+)"', first).group(1))
    parts = urlsplit(href)
    clause_id = unquote(parts.fragment)
    assert parts.path == f"/doc/{SEED_DOC}" and parse_qs(parts.query) == {"hl": [clause_id], "q": ["专利质押"]}
    assert clause_id.startswith(f"{SEED_DOC}:3:")


def test_results_link_lands_on_the_marked_clause(client):
    body = page(client, "/search?q=专利质押")
    href = html.unescape(re.search(r'<a href="(/doc/[^"]+)"', hit_blocks(body)[0]).group(1))
    clause_id = unquote(urlsplit(href).fragment)
    doc = page(client, href)
    marked = re.findall(r'<span class="clause hl" id="([^"]+)"><mark class="clause-mark">', doc)
    assert [html.unescape(m) for m in marked] == [clause_id]
    assert "已在下文标出所引条款" in doc


def test_department_facet_narrows(client):
    body = page(client, "/search?q=企业")
    facet = re.search(r'<aside class="facets".*?</aside>', body, re.S).group(0)
    assert "按责任部门筛选" in facet and 'aria-current="true">全部部门' in facet
    dept_links = [h for h in links(facet) if "dept=" in h]
    assert dept_links
    narrowed = page(client, dept_links[0])
    dept = re.search(r"dept=([^&]+)", dept_links[0]).group(1)
    from urllib.parse import unquote_plus
    dept = unquote_plus(dept)
    assert f"责任部门：{dept}" in narrowed                                   # active filter chip
    for block in hit_blocks(narrowed):
        assert dept in block
    assert re.search(r'aria-current="true">' + re.escape(dept), narrowed)


def test_pagination(client):
    body = page(client, "/search?q=企业&per_page=3")
    nav = re.search(r'<nav class="pagination".*?</nav>', body, re.S).group(0)
    assert 'aria-current="page">1<' in nav and "下一页" in nav and "上一页" not in nav
    second = [h for h in links(nav) if "page=2" in h][0]
    assert "q=" in second and "per_page=3" in second
    body2 = page(client, second)
    assert "第 2 / " in body2 and 'aria-current="page">2<' in body2 and "上一页" in body2
    assert '<ol class="hits" start="4">' in body2


def test_page_past_the_end(client):
    body = page(client, "/search?q=企业&page=500")
    assert "第 500 页没有内容" in body


def test_no_results(client):
    body = page(client, "/search?q=zzqqxxyy")
    assert "没有找到与“zzqqxxyy”相关的条款" in body and "hits" not in re.sub(r"<[^>]*>", "", body)[:0]


def test_no_results_after_relaxing_shows_suggestions(fake_app, fakes):
    searcher = fakes.Searcher(result=fakes.result(relaxed=True), suggestions=["专利权质押", "专利"])
    body = page(fake_app(searcher).test_client(), "/search?q=专利质押贷", )
    assert "已尝试放宽为只包含部分检索词" in body and "您是不是要找" in body
    assert "/search?q=%E4%B8%93%E5%88%A9%E6%9D%83%E8%B4%A8%E6%8A%BC" in body


def test_relaxed_results_are_flagged_only_when_partial_matches_were_added(fake_app, fakes):
    mixed = [fakes.hit(exact=True), fakes.hit(clause_id="d:2:1:1", exact=False)]
    searcher = fakes.Searcher(result=fakes.result(mixed, relaxed=True))
    body = page(fake_app(searcher).test_client(), "/search?q=专利")
    assert "只包含部分检索词" in body
    only_exact = fakes.Searcher(result=fakes.result([fakes.hit(exact=True)], relaxed=True))
    assert "只包含部分检索词" not in page(fake_app(only_exact).test_client(), "/search?q=专利")
    question = fakes.Searcher(result=fakes.result([fakes.hit(exact=False)], relaxed=True))   # one ranked list
    assert "只包含部分检索词" not in page(fake_app(question).test_client(), "/search?q=专利")


def test_a_hit_found_through_what_readers_asked_says_so_escaped_with_a_way_out(fake_app, fakes):
    asked = fakes.Searcher(result=fakes.result([fakes.hit(asked=["坠楼", "<b>医院</b>"])]))
    body = page(fake_app(asked).test_client(), "/search?q=病人坠楼医院要赔吗")
    assert "读者也这样问过本条：坠楼、&lt;b&gt;医院&lt;/b&gt;" in body and "<b>医院" not in body
    assert "部分结果参考了读者问过的说法" in body and "expand=0" in body
    plain = fakes.Searcher(result=fakes.result([fakes.hit()]))
    body = page(fake_app(plain).test_client(), "/search?q=专利")
    assert "读者也这样问过" not in body and "读者问过的说法" not in body


@pytest.mark.parametrize("query, message", [
    ("q=%22专利", "检索式有误"),
    ("q=", "请输入检索词"),
    ("q=" + "专" * 201, "检索词过长"),
    ("q=专利&page=abc", "参数 page 必须是正整数"),
    ("q=专利&page=0", "必须大于等于 1"),
    ("q=专利&per_page=51", "不能大于 50"),
])
def test_bad_query_page(client, query, message):
    body = page(client, "/search?" + query, status=400)
    assert message in body and 'role="alert"' in body and 'aria-invalid="true"' in body


def test_bad_query_keeps_the_text_escaped(client):
    body = page(client, "/search", status=400, query_string={"q": '"<b>x'})
    assert 'value="&#34;&lt;b&gt;x"' in body and "<b>x" not in body


def test_search_without_q_goes_home(client):
    response = client.get("/search")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# -- escaping ---------------------------------------------------------------------------------

def test_query_is_escaped_everywhere(client):
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    for status, q in ((200, attack), (400, attack + '"\'>')):          # a lone quote: bad query
        body = page(client, "/search", status=status, query_string={"q": q})
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_corpus_text_is_escaped_and_only_mark_survives(fake_app, fakes):
    evil = '<img src=x onerror=alert(1)>'
    hit = fakes.hit(doc_title=evil, measure_title=evil, departments=[evil], text="正文 " + evil,
                    highlight="正文 &lt;img&gt; <mark>专利</mark>")
    body = page(fake_app(fakes.Searcher(result=fakes.result([hit], departments={evil: 1}))).test_client(),
                "/search?q=专利")
    assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "正文 &lt;img&gt; <mark>专利</mark>" in body


@pytest.mark.parametrize("bad", [
    '<img src=x onerror=alert(1)>',
    '<mark onclick="alert(1)">x</mark>',
    '<mark>x',
    '<mark><mark>x</mark></mark>',
    'x</mark>',
    '<script>alert(1)</script>',
])
def test_highlight_with_other_markup_falls_back_to_text(fake_app, fakes, bad):
    hit = fakes.hit(text="纯文本 <b>", highlight=bad)
    body = page(fake_app(fakes.Searcher(result=fakes.result([hit]))).test_client(), "/search?q=专利")
    text = re.search(r'<p class="hit-text">(.*?)</p>', body, re.S).group(1)
    assert text == "纯文本 &lt;b&gt;"


# -- document ---------------------------------------------------------------------------------

def test_document_page_lays_out_every_clause(client, app):
    doc = app.extensions["policy_search"].document(SEED_DOC)
    body = page(client, f"/doc/{SEED_DOC}")
    assert f"<h1>{doc['title']}</h1>" in body
    ids = [html.unescape(i) for i in re.findall(r'<span class="clause[^"]*" id="([^"]+)"', body)]
    expected = [c["clause_id"] for m in doc["measures"] for p in m["paragraphs"] for c in p]
    assert ids == expected and len(ids) == len(set(ids))
    assert body.count('<section class="measure"') == len(doc["measures"]) == 13
    assert '<section class="measure" id="m-3"' in body and MEASURE_3 in body
    assert body.count('<p class="para">') == sum(len(m["paragraphs"]) for m in doc["measures"])
    assert "class=\"clause hl\"" not in body and "已在下文标出" not in body
    assert 'href="#m-13"' in body                                        # table of contents


def test_document_with_unknown_hl_marks_nothing(client):
    body = page(client, f"/doc/{SEED_DOC}", query_string={"hl": '"><script>alert(1)</script>'})
    assert "clause hl" not in body and "<script>alert" not in body


def test_document_id_with_slash_and_chinese(client, extra_doc_id):
    from urllib.parse import quote

    body = page(client, "/doc/" + quote(extra_doc_id))
    assert "测试用科技创新措施清单" in body and "量子通信网络试点" in body
    search = page(client, "/search?q=量子通信")
    href = [h for h in links(search) if h.startswith("/doc/")][0]
    assert unquote(urlsplit(href).path) == "/doc/" + extra_doc_id
    assert "clause hl" in page(client, href)


def test_search_within_a_document(client, extra_doc_id):
    from urllib.parse import quote

    doc_page = page(client, "/doc/" + quote(extra_doc_id))
    assert f'<input type="hidden" name="doc" value="{extra_doc_id}">' in doc_page   # the in-document form
    body = page(client, "/search", query_string={"q": "试点", "doc": extra_doc_id})
    assert "仅在文件“测试用科技创新措施清单”中" in body
    assert f'name="doc" value="{extra_doc_id}"' in body      # kept for the next query (the advanced form)
    blocks = hit_blocks(body)
    assert blocks and all("测试用科技创新措施清单" in b for b in blocks)


def test_unknown_document_is_404(client):
    body = page(client, "/doc/no-such-document", status=404)
    assert "没有找到文件" in body


def test_links_are_stable_across_rebuilds(client, tmp_path, corpus_dirs, build_index_into):
    from search_app import create_app

    other = create_app({"INDEX_DIR": str(build_index_into(corpus_dirs, tmp_path / "rebuilt"))}).test_client()
    for q in ("专利质押", "工作许可", "量子通信"):
        assert [h for h in links(page(client, f"/search?q={q}")) if h.startswith("/doc/")] == \
               [h for h in links(page(other, f"/search?q={q}")) if h.startswith("/doc/")]


def test_document_page_for_a_regulation_groups_chapters(fake_app, fakes):
    doc = {"doc_id": "法规/条例", "title": "某某条例", "meta": {"issuer": "省人大常委会", "date": "2020-01-01"},
           "measures": [
               {"no": 1, "title": "第一条", "departments": [], "article": "第一条", "chapter": "第一章 总则",
                "paragraphs": [[{"clause_id": "法规/条例:1:1:1", "text": "为了<规范>管理，制定本条例。"}]]},
               {"no": 2, "title": "第二条", "departments": [], "article": "第二条", "chapter": "第一章 总则",
                "paragraphs": [[{"clause_id": "法规/条例:2:1:1", "text": "本条例适用于本省。"}]]},
               {"no": 3, "title": "第三条", "departments": [], "article": "第三条", "chapter": "第二章 管理",
                "paragraphs": [[{"clause_id": "法规/条例:3:1:1", "text": "主管部门负责管理。"}]]},
           ]}
    client = fake_app(fakes.Searcher(document=doc)).test_client()
    body = page(client, "/doc/%E6%B3%95%E8%A7%84/%E6%9D%A1%E4%BE%8B?hl=%E6%B3%95%E8%A7%84/%E6%9D%A1%E4%BE%8B:2:1:1")
    assert body.count('<h2 class="chapter level-3"') == 2 and '<h3 id="m-1-title"' in body
    assert "发文机关" in body and "省人大常委会" in body
    assert "为了&lt;规范&gt;管理" in body
    assert '<span class="clause hl" id="法规/条例:2:1:1"><mark class="clause-mark">本条例适用于本省。</mark>' in body


# -- errors -----------------------------------------------------------------------------------

def test_unknown_page_is_a_404_page(client):
    body = page(client, "/no/such/page", status=404)
    assert "页面不存在" in body


def test_unexpected_error_is_a_500_page_without_details(fake_app, fakes):
    client = fake_app(fakes.Searcher(error=KeyError("internal-detail"))).test_client()
    body = page(client, "/", status=500)
    assert "服务器内部错误" in body and "internal-detail" not in body and "Traceback" not in body


def test_no_route_answers_500(client, extra_doc_id):
    from urllib.parse import quote

    urls = ["/", "/search?q=专利", "/search?q=专利&dept=省知识产权局", "/search?q=专利&doc=" + SEED_DOC,
            f"/doc/{SEED_DOC}", "/doc/" + quote(extra_doc_id), "/embed", "/widget.js", "/healthz",
            "/api/search?q=专利", "/static/site.css", "/static/app.js",
            "/static/widget.js", "/static/nothing.css", "/doc/", "/doc/%00", "/api/", "/search?q=专利&page=2"]
    for url in urls:
        assert client.get(url).status_code < 500, url


def test_collection_facets_link_to_filtered_searches(fake_app, fakes):
    """Category, province and document facets narrow the search; an active filter shows as a chip."""
    result = fakes.result([fakes.hit()], total=3)
    result["facets"].update(categories={"经济法": 2, "地方性法规": 1}, provinces={"上海": 1},
                            documents={"laws/a": 2, "laws/b": 1})
    searcher = fakes.Searcher(result=result)
    client = fake_app(searcher).test_client()
    body = page(client, "/search?q=融资")
    facets = re.search(r'<aside class="facets".*?</aside>', body, re.S).group(0)
    assert "按类别筛选" in facets and "category=%E7%BB%8F%E6%B5%8E%E6%B3%95" in facets
    assert "按省份筛选" in facets and "province=%E4%B8%8A%E6%B5%B7" in facets
    assert "文件 laws/a" in facets and "doc=laws/a" in facets
    body = page(client, "/search?q=融资&province=上海")
    assert "省份：上海" in body
    assert searcher.last_filters == {"province": "上海"}
