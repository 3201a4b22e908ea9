"""The document view's pieces (search_app/reading.py): the outline by 编/章/节, citations,
the query's words and the clause HTML with its marks and links."""
from __future__ import annotations

from search_app import reading


def measure(no, article, chapter):
    return {"no": no, "article": article, "chapter": chapter, "title": article}


def test_a_chapter_path_splits_into_its_levels():
    assert reading.split_chapter("第二编 物权 第一分编 通则 第一章 一般规定") == ["第二编 物权", "第一分编 通则", "第一章 一般规定"]
    assert reading.split_chapter("附则") == ["附则"]
    assert reading.split_chapter(None) == []
    assert [reading.level_of(t) for t in ("第二编 物权", "第一分编 通则", "第一章 一般规定", "第三节 其他")] == [1, 2, 3, 4]


def test_the_outline_nests_sections_in_chapters_and_spans_their_articles():
    toc, headings = reading.outline([
        measure(1, "第一条", "第一章 总则"), measure(2, "第二条", "第一章 总则"),
        measure(3, "第三条", "第二章 融资 第一节 一般规定"), measure(4, "第四条", "第二章 融资 第二节 应收账款"),
        measure(5, "第五条", "第二章 融资 第二节 应收账款")])
    assert [(n["text"], n["first"], n["last"]) for n in toc] == [("第一章 总则", "第一条", "第二条"),
                                                                 ("第二章 融资", "第三条", "第五条")]
    assert [(n["text"], n["first"], n["last"]) for n in toc[1]["children"]] == [
        ("第一节 一般规定", "第三条", "第三条"), ("第二节 应收账款", "第四条", "第五条")]
    assert [h["text"] for h in headings[3]] == ["第二章 融资", "第一节 一般规定"]   # both open before 第三条
    assert 2 not in headings and [h["text"] for h in headings[4]] == ["第二节 应收账款"]
    assert reading.outline([{"no": 1, "article": None, "chapter": None}]) == ([], {})


def test_citations_name_the_document_and_the_article_or_measure():
    assert reading.citation("中华人民共和国劳动合同法", {"no": 47, "article": "第四十七条"}) == "《中华人民共和国劳动合同法》第四十七条"
    assert reading.citation("某清单", {"no": 3, "article": None, "title": "专利权质押"}) == "《某清单》第 3 项“专利权质押”"
    assert reading.anchor({"no": 47, "article": "第四十七条"}) == "第四十七条"
    assert reading.anchor({"no": 3, "article": None}) == "m-3"


def test_the_title_index_names_current_versions_with_and_without_the_country_name():
    manifest = {"documents": {
        "old": {"title": "中华人民共和国测试法", "meta": {"historical": True}},
        "new": {"title": "中华人民共和国测试法", "meta": {}}}}
    assert reading.title_index(manifest) == {"中华人民共和国测试法": "new", "测试法": "new"}


def test_the_querys_words_are_its_whole_words_without_filters_or_sub_words(searcher):
    analyzer = searcher.generation().analyzer
    assert reading.query_terms(analyzer, "专利质押 部门:省知识产权局 -融资") == {"专利", "质押"}
    assert "劳动" not in reading.query_terms(analyzer, "劳动合同")


def test_clause_html_escapes_the_text_and_adds_only_marks_and_links(searcher):
    analyzer = searcher.generation().analyzer
    out = reading.render_clause("<b>依照本法第二条开展专利质押。</b>", analyzer, {"专利", "质押"}, "d", {"第二条"}, {},
                                lambda d: "/doc/" + d)
    assert str(out) == ('&lt;b&gt;依照<a class="ref" href="#第二条">本法第二条</a>开展'
                        '<mark class="q">专利质押</mark>。&lt;/b&gt;')


def test_references_in_arabic_numerals_or_spaced_link_to_the_articles_own_label(searcher):
    """本法第 2 条 and 《劳动合同法》第39条 reach 第二条 and #第三十九条: one article pattern
    (indexer/numerals.py) for the index, queries and the reading page."""
    analyzer = searcher.generation().analyzer
    out = str(reading.render_clause("依照本法第 2 条和《劳动合同法》第39条处理。", analyzer, set(), "d", {"第二条"},
                                    {"劳动合同法": "ld"}, lambda d: "/doc/" + d))
    assert '<a class="ref" href="#第二条">本法第 2 条</a>' in out
    assert '<a class="ref" href="/doc/ld#第三十九条">《劳动合同法》第39条</a>' in out
    assert reading.level_of("第 二 分编 合同") == 2 and reading.level_of("第三章 通则") == 3
