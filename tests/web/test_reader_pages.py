"""The reader features on the pages (Flask's test client, the real index of tests/reader_corpus.py):
order and grouping controls, the advanced form, validity notes, did you mean, the notices."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit


from tests.reader_corpus import CONTRACT, PROMOTION_NEW, PROMOTION_OLD, REGULATION_ID


def page(client, url, status=200, **kw):
    response = client.get(url, **kw)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html" and "charset=utf-8" in response.content_type
    return response.get_data(as_text=True)


def links(body):
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', body)]


def args_of(href):
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def hit_blocks(body):
    return re.findall(r'<li class="hit">(.*?)</li>', body, re.S)


def test_the_heading_of_a_hit_names_its_document_and_article(reader_client):
    first = hit_blocks(page(reader_client, "/search?q=应收账款融资&category=经济法"))[0]
    heading = re.search(r'<h2 class="hit-title">(.*?)</h2>', first, re.S).group(1)
    assert re.search(r"《[^》]+》", heading) and re.search(r"第[一二三四五六七八九十百]+条", heading)


def test_the_order_control_links_keep_the_query_and_filters(reader_client):
    body = page(reader_client, "/search?q=应收账款融资&category=经济法")
    nav = re.search(r'<nav class="arrange".*?</nav>', body, re.S).group(0)
    by_date = [h for h in links(nav) if "sort=date" in h][0]
    assert args_of(by_date) == {"q": "应收账款融资", "category": "经济法", "sort": "date"}
    assert 'aria-current="true">相关度' in nav
    dated = page(reader_client, by_date)
    assert re.search(r'aria-current="true">日期', dated)
    assert "2017-09-01" in hit_blocks(dated)[0]                        # newest 经济法 document first


def test_group_by_document_shows_each_documents_count_and_best_articles(reader_client):
    body = page(reader_client, "/search?q=应收账款融资&group=document")
    assert "分属 <strong>" in body
    groups = re.findall(r'<li class="group">(.*?)</ol>\s*(?:<details|<p class="group-all"|</li>)', body, re.S)
    titles = re.findall(r'<h2 class="group-title">.*?《([^》]+)》.*?命中 (\d+) (条|项措施)', body, re.S)
    assert ("中华人民共和国测试促进法", "3", "条") in titles
    assert any(unit == "项措施" for _, _, unit in titles)              # the seed list counts its measures
    assert groups


def test_the_advanced_form_carries_every_filter_and_works_as_a_plain_get(reader_client):
    body = page(reader_client, "/search?q=应收账款融资")
    form = re.search(r'<details class="advanced">.*?</details>', body, re.S).group(0)
    for name in ("issuer", "number", "category", "province", "doc", "version", "from", "to", "scope"):
        assert f'name="{name}"' in form, name
    labels = set(re.findall(r'<label for="([^"]+)"', form))
    assert set(re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form)) <= labels
    narrowed = page(reader_client, "/search?q=应收账款融资&issuer=国务院&from=2019&to=&version=&scope=full")
    assert '<details class="advanced" open>' in narrowed                # open while it holds a condition
    assert "发文机关：国务院" in narrowed and "日期：2019 至 …" in narrowed
    assert {re.search(r"《([^》]+)》", b).group(1) for b in hit_blocks(narrowed)} == {"测试融资管理条例"}


def test_title_only_scope_keeps_the_documents_whose_title_holds_the_words(reader_client):
    body = page(reader_client, "/search?q=测试合同法&scope=title")
    titles = {re.search(r"《([^》]+)》", b).group(1) for b in hit_blocks(body)}
    assert titles == {"中华人民共和国测试合同法"} and "仅检索标题" in body


def test_a_historical_version_says_so_and_links_the_current_one(reader_client):
    body = page(reader_client, "/search?q=应收账款融资&version=historical")
    first = hit_blocks(body)[0]
    assert "已被替代" in first and "历史版本，现行版本：" in first
    current = [h for h in links(first) if h.startswith("/doc/") and "hl=" not in h][0]
    assert unquote(urlsplit(current).path) == "/doc/" + PROMOTION_NEW


def test_did_you_mean_offers_the_corrected_query(reader_client):
    body = page(reader_client, "/search?q=专利质压")
    offer = re.search(r'<p class="did-you-mean".*?</p>', body, re.S).group(0)
    assert "您是不是要找" in offer
    assert [args_of(h)["q"] for h in links(offer)] == ["专利质押"]


def test_a_query_at_the_length_limit_says_it_may_have_been_cut(reader_client):
    body = page(reader_client, "/search", query_string={"q": "融资" * 100})
    assert "超出的部分没有检索" in body
    assert "超出的部分没有检索" not in page(reader_client, "/search?q=融资")


def test_hit_links_carry_the_query_to_the_document(reader_client):
    first = hit_blocks(page(reader_client, "/search?q=应收账款融资"))[0]
    href = [h for h in links(first) if "hl=" in h][0]
    assert args_of(href)["q"] == "应收账款融资"


# -- the document view ------------------------------------------------------------------------

def doc_page(client, doc_id, **args):
    from urllib.parse import quote

    return page(client, "/doc/" + quote(doc_id), query_string=args)


def test_the_table_of_contents_follows_chapters_and_sections(reader_client):
    body = doc_page(reader_client, PROMOTION_NEW)
    toc = re.search(r'<details class="toc" open>.*?</details>', body, re.S).group(0)
    entries = re.findall(r'<li class="toc-level-(\d)"><a href="#([^"]+)">([^<]+)</a>', toc)
    assert [(level, text) for level, _, text in entries] == [
        ("3", "第一章 总则"), ("3", "第二章 融资"), ("4", "第一节 一般规定"), ("4", "第二节 应收账款")]
    assert "第十九条–第二十条" in toc                                    # what a chapter spans
    assert "第二条</a>" not in toc                                      # no flat list of every article
    for _, anchor, text in entries:                                    # each entry leads to its heading
        assert re.search(rf'<h[23] class="chapter level-\d" id="{anchor}">{text}</h[23]>', body)


def test_the_querys_words_are_marked_in_the_document_with_a_way_back(reader_client):
    body = doc_page(reader_client, CONTRACT, q="应收账款融资")
    assert body.count('<mark class="q">') == 2 and 'data-marks="2"' in body
    assert 'class="mark-nav" hidden' in body                          # next/previous: shown by app.js
    assert 'id="doc-q" class="search-input" type="search" name="q" required autocomplete="off"' in body
    assert re.search(r'id="doc-q"[^>]*value="应收账款融资"', body)          # the box keeps the query
    back = re.search(r'<p class="back"><a href="([^"]+)">', body).group(1)
    assert args_of(html.unescape(back)) == {"q": "应收账款融资"}
    assert '<mark class="q">' not in doc_page(reader_client, CONTRACT)


def test_a_query_in_the_document_view_is_escaped(reader_client):
    body = doc_page(reader_client, CONTRACT, q='<script>alert(1)</script>')
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_cross_references_link_to_the_article_here_or_in_the_other_document(reader_client):
    from urllib.parse import quote

    own = doc_page(reader_client, PROMOTION_NEW)
    assert '<a class="ref" href="#第二十条">本法第二十条</a>' in own
    assert '<span class="measure-no" id="第二十条">第二十条</span>' in own   # the anchor it leads to
    other = doc_page(reader_client, CONTRACT)
    ref = re.search(r'<a class="ref" href="([^"]+)">《中华人民共和国测试促进法》第二十条</a>', other)
    href = html.unescape(ref.group(1))
    assert unquote(urlsplit(href).path) == "/doc/" + PROMOTION_NEW and urlsplit(href).fragment == "第二十条"
    assert quote(PROMOTION_OLD) not in other                            # the current version, not the old one


def test_every_article_has_a_permalink_and_a_citation(reader_client):
    body = doc_page(reader_client, CONTRACT)
    assert 'data-citation="《中华人民共和国测试合同法》第三十九条"' in body
    permalinks = [html.unescape(h) for h in re.findall(r'<a class="permalink" href="([^"]+)"', body)]
    assert len(permalinks) == 3 and unquote(urlsplit(permalinks[1]).fragment) == "第三十九条"
    seed = doc_page(reader_client, "shanxi-innovation-reform-measures")
    assert re.search(r'data-citation="《山西省支持创新相关改革措施推广清单》第 3 项“[^"]+”"', seed)


def test_count_labels_fit_the_kind_of_document(reader_client):
    assert "<dt>条数</dt><dd>3 条</dd>" in doc_page(reader_client, CONTRACT)
    assert "<dt>措施数</dt><dd>13 项措施</dd>" in doc_page(reader_client, "shanxi-innovation-reform-measures")


def test_a_historical_document_names_and_links_its_current_version(reader_client):
    body = doc_page(reader_client, PROMOTION_OLD)
    note = re.search(r'<p class="validity">.*?</p>', body, re.S).group(0)
    assert "已被替代" in note and "历史版本，现行版本：" in note
    assert [unquote(urlsplit(html.unescape(h)).path) for h in links(note)] == ["/doc/" + PROMOTION_NEW]
    assert "2017-09-01" in body and "<strong>2002-06-29</strong>" in body     # the versions, this one marked
    assert '<p class="validity">' not in doc_page(reader_client, PROMOTION_NEW)


def test_the_print_stylesheet_leaves_out_the_page_furniture():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "search_app/static/site.css").read_text(encoding="utf-8")
    printing = css[css.index("@media print"):]
    for selector in (".site-header", ".site-footer", ".toc", ".measure-tools", ".search-form", ".facets"):
        assert selector in printing
    assert "body.print-one .measure:not(.print-target)" in printing


# -- 服务状态 -----------------------------------------------------------------------------------

def test_the_status_page_is_readable_and_the_footer_leads_to_it(reader_client):
    body = page(reader_client, "/status")
    assert "<h1>服务状态</h1>" in body and "检索服务运行正常" in body
    assert "<dt>已收录文件</dt><dd>7 份</dd>" in body
    assert 'href="/healthz"' in body                                    # the JSON stays where it was
    assert 'href="/status">服务状态</a>' in page(reader_client, "/")


def test_the_status_page_of_a_broken_index_says_what_to_do(tmp_path):
    from search_app import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    body = page(client, "/status", status=503)
    assert "检索服务暂不可用" in body and "policy-index build" in body


def test_a_title_written_without_book_marks_before_an_article_is_a_link_too(reader_client):
    body = doc_page(reader_client, REGULATION_ID)
    ref = re.search(r'<a class="ref" href="([^"]+)">测试促进法第十九条</a>', body)
    href = html.unescape(ref.group(1))
    assert unquote(urlsplit(href).path) == "/doc/" + PROMOTION_NEW and urlsplit(href).fragment == "第十九条"


def test_an_article_reference_to_a_document_outside_the_collection_stays_text():
    from search_app import reading

    html_out = reading.render_clause("依照《中华人民共和国民法典》第五百条的规定和本法第九条。", None, set(), "d",
                                     {"第一条"}, {}, lambda d: "/doc/" + d)
    assert "<a" not in html_out and "依照《中华人民共和国民法典》第五百条" in html_out


def test_a_repealed_document_says_which_document_repealed_it(reader_client):
    from tests.reader_corpus import REPEALED_ID

    note = re.search(r'<p class="validity">.*?</p>', doc_page(reader_client, REPEALED_ID), re.S).group(0)
    assert "已废止" in note and re.sub(r"<[^>]+>", "", note).endswith("由《测试融资管理条例》（2020-05-01）废止")
    assert '<span class="when">（2020-05-01）</span>' in note   # kept on one line
    assert [unquote(urlsplit(html.unescape(h)).path) for h in links(note)] == ["/doc/" + REGULATION_ID]


def test_an_interpretation_of_a_repealed_law_says_so_on_its_page_and_in_its_hits(reader_client):
    from tests.reader_corpus import OUTDATED_ID

    note = re.search(r'<p class="validity">.*?</p>', doc_page(reader_client, OUTDATED_ID), re.S).group(0)
    assert "所释法律已废止" in note and "所解释的《测试担保办法》已由" in note
    assert [unquote(urlsplit(html.unescape(h)).path) for h in links(note)] == ["/doc/" + REGULATION_ID]
    found = reader_client.get("/api/search", query_string={"q": "设定担保"}).get_json()
    assert [h["validity"]["status"] for h in found["hits"] if h["doc_id"] == OUTDATED_ID] == ["outdated"]
