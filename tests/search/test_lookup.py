"""Lookup by name: a document named by its full title, short title or a code's name, alone or with
an article number (第 may be left out), is that document, not the documents that cite it."""
from __future__ import annotations

import pytest

from indexer.build import build_index
from search_app.searcher import Searcher

HEAD = "{title}\n\n2008年1月1日 第十届全国人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n"
LAW = HEAD + "第一条 为了规范测试活动，制定本法。\n\n第二条 测试机构应当公开测试结果。\n\n第三条 测试人员应当具备资格。\n"
# the implementing regulation cites the law in almost every article: its text holds the law's name
RULES = HEAD + ("第一条 根据《中华人民共和国测试促进法》，制定本条例。\n\n"
                "第二条 测试促进法所称测试机构，依照测试促进法的规定设立。\n\n"
                "第三条 测试促进法规定的资格，由测试促进法主管部门认定。\n")
INTERPRETATION = HEAD + "第一条 人民法院审理测试纠纷案件，适用测试促进法。\n\n第二条 测试结果争议由测试机构举证。\n"
CODE_PART = "# 中华人民共和国测试法典\n\n# {part}\n\n2020年5月28日 第十三届全国人民代表大会第三次会议通过\n\n" \
            "<!-- INFO END -->\n\n第{n}条 {text}\n"


@pytest.fixture(scope="module")
def laws(tmp_path_factory):
    base = tmp_path_factory.mktemp("lookup")
    root = base / "laws"
    files = {
        "经济法/测试促进法(2008-01-01).md": LAW.format(title="# 中华人民共和国测试促进法"),
        "行政法规/测试促进法实施条例(2008-01-01).md": RULES.format(title="# 中华人民共和国测试促进法实施条例"),
        "司法解释/测试纠纷解释(2010-01-01).md": INTERPRETATION.format(
            title="# 最高人民法院关于审理测试纠纷案件适用法律问题的解释（一）"),
        "测试法典/总则.md": CODE_PART.format(part="总则", n="一", text="为了保护测试当事人的合法权益，制定本法。"),
        "测试法典/测试编.md": CODE_PART.format(part="测试编", n="一千零七十九", text="当事人可以申请重新测试。"),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    build_index([root], base / "index")
    return Searcher(base / "index")


def first(searcher, q):
    hits = searcher.search(q)["hits"]
    return (hits[0]["doc_title"], hits[0]["article"]) if hits else None


@pytest.mark.parametrize("q", ["测试促进法 第二条", "中华人民共和国测试促进法 第二条", "《测试促进法》第二条",
                               "测试促进法第2条", "测试促进法2条", "测试促进法 2条", "测试促进法二条"])
def test_an_article_of_a_law_by_any_form_of_its_name(laws, q):
    """The short title, the full title, book-title marks, Arabic or Chinese numerals, 第 left out:
    the law's own article, although its implementing regulation's text names the law."""
    result = laws.search(q)
    assert first(laws, q) == ("中华人民共和国测试促进法", "第二条")
    assert result["total"] == 1


def test_an_implementing_regulation_by_its_name(laws):
    assert first(laws, "测试促进法实施条例 第三条") == ("中华人民共和国测试促进法实施条例", "第三条")


def test_a_judicial_interpretation_by_its_full_title(laws):
    q = "最高人民法院关于审理测试纠纷案件适用法律问题的解释（一） 第二条"
    assert first(laws, q) == ("最高人民法院关于审理测试纠纷案件适用法律问题的解释（一）", "第二条")


def test_a_code_by_its_name_finds_the_article_in_whichever_part(laws):
    assert first(laws, "测试法典 第一千零七十九条") == ("中华人民共和国测试法典 测试编", "第一千零七十九条")
    assert first(laws, "测试法典1079条") == ("中华人民共和国测试法典 测试编", "第一千零七十九条")


def test_a_query_that_is_a_title_puts_that_document_first_in_article_order(laws):
    """Not the regulation whose every article repeats the law's name."""
    hits = laws.search("测试促进法")["hits"]
    assert [(h["doc_title"], h["article"]) for h in hits[:3]] == [
        ("中华人民共和国测试促进法", f"第{n}条") for n in "一二三"]
    assert any(h["doc_title"] == "中华人民共和国测试促进法实施条例" for h in hits[3:])


def test_a_number_after_an_ordinary_word_is_not_an_article_reference(laws):
    """Only a document's name makes 3条 an article number: 资格3条 stays one word."""
    from search_app.query import parse
    compiler = laws.generation().compiler()
    split = compiler.split_articles(parse("资格3条"))
    assert [[w.text for w in g] for g in split.groups] == [["资格3条"]]
    split = compiler.split_articles(parse("测试促进法3条"))
    assert [[w.text for w in g] for g in split.groups] == [["测试促进法"], ["第3条"]]


def test_a_name_with_other_words_still_ranks_by_the_words(laws):
    """刑法 盗窃 style: the named law's articles holding the words come first."""
    assert first(laws, "测试促进法 资格") == ("中华人民共和国测试促进法", "第三条")
