"""Highlighting: the clause text escaped, matched words in <mark>, and nothing else is markup.

Marks cover whole analyzer tokens found in the query's terms, addressed in the original text, and
overlapping matches merge into the longest span (Whoosh's own highlighter marks only the first).
"""
from __future__ import annotations

import html
import re

import pytest

from indexer.resources import corpus_analyzer
from search_app.highlight import highlight, matched_spans
from tests.conftest import CORPUS

MARKED = re.compile(r"<mark>(.*?)</mark>")


@pytest.fixture(scope="module")
def analyzer():
    return corpus_analyzer(CORPUS)


def unmark(fragment: str) -> str:
    return re.sub(r"</?mark>", "", fragment)


def test_text_is_escaped_and_only_mark_is_markup(analyzer):
    text = '<script>alert("专利")</script> 专利 & 质押 \'引号\''
    out = highlight(analyzer, text, {"专利"})
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "&amp;" in out
    assert not re.search(r"[<>\"']", unmark(out))
    assert html.unescape(unmark(out)) == text
    assert MARKED.findall(out) == ["专利", "专利"]


def test_literal_mark_tags_in_the_text_are_escaped(analyzer):
    text = "<mark>伪造</mark>的专利"
    out = highlight(analyzer, text, {"专利"})
    assert out.count("<mark>") == 1 and "&lt;mark&gt;伪造&lt;/mark&gt;" in out


def test_without_terms_the_text_is_only_escaped(analyzer):
    assert highlight(analyzer, "专利 & 质押", set()) == "专利 &amp; 质押"


def test_subword_query_marks_the_subword_not_the_whole_word(analyzer):
    """专利 inside 专利权质押: mark 专利, not 专利权, and never single characters."""
    out = highlight(analyzer, "加大专利权质押融资宣传", {"专利"})
    assert out == "加大<mark>专利</mark>权质押融资宣传"


def test_query_for_patent_marks_it_inside_patent_right(searcher):
    hits = searcher.search("专利", per_page=50)["hits"]
    inside = [h for h in hits if "专利权" in h["text"]]
    assert inside
    for h in inside:
        assert "<mark>专利</mark>权" in h["highlight"]
        assert "<mark>专利权" not in h["highlight"]
    marks = [m for h in hits for m in MARKED.findall(h["highlight"])]
    assert marks and set(marks) == {"专利"}


def test_overlapping_matches_merge_into_the_longest_span(analyzer):
    """专利 (0-2) and 利权 (1-3) overlap: one mark over 专利权, not two tangled ones."""
    assert highlight(analyzer, "专利权质押融资", {"专利", "利权"}) == "<mark>专利权</mark>质押融资"
    assert matched_spans(analyzer, "专利权质押融资", {"专利", "利权"}) == [(0, 3)]


def test_a_word_and_its_subwords_give_one_mark(analyzer):
    out = highlight(analyzer, "专利权质押融资", {"专利权质押", "专利", "质押", "专利权"})
    assert out == "<mark>专利权质押</mark>融资"


def test_marks_address_the_original_characters(analyzer):
    """Traditional and full-width text is matched normalised but shown as written."""
    assert highlight(analyzer, "加強專利權質押", {"专利"}) == "加強<mark>專利</mark>權質押"
    assert highlight(analyzer, "支持ＰＰＰ項目", {"ppp"}) == "支持<mark>ＰＰＰ</mark>項目"


def test_phrase_is_marked_whole(searcher):
    hit = searcher.search('"协议工资制"')["hits"][0]
    assert "<mark>协议工资制</mark>" in hit["highlight"]


def test_search_highlights_never_change_the_text(searcher):
    for q in ["专利质押", "國稅地稅", "小微企业怎么用应收账款融资", "人民银行"]:
        for h in searcher.search(q, per_page=50)["hits"]:
            assert html.unescape(unmark(h["highlight"])) == h["text"]


def test_hits_are_highlighted_from_the_stored_segmentation_as_from_jieba(seed_index, monkeypatch):
    """Clauses carry their segmentation (cuts): highlighting a hit segments nothing, and marks
    exactly what segmenting the text again marks."""
    import search_app.hits as hits_module
    from indexer.engine.analysis import JiebaTokenizer
    from search_app.searcher import Searcher
    calls, segmented = [], []
    real = hits_module.highlight
    monkeypatch.setattr(hits_module, "highlight",
                        lambda analyzer, text, terms, cuts=None: calls.append((analyzer, text, terms, cuts))
                        or real(analyzer, text, terms, cuts))
    monkeypatch.setattr(JiebaTokenizer, "words_holding", lambda self, text, terms: segmented.append(text) or [])
    s = Searcher(seed_index, cache=False)
    for q in ("专利 质押", "应收账款融资", "\"协议工资制\"", "科技型企业融资", "永久居留"):
        assert s.search(q, per_page=50)["hits"]
    # only a clause stored without cuts (a document number in other brackets: word_cuts) is segmented
    uncut = {text for _, text, _, cuts in calls if cuts is None}
    assert len(calls) > 20 and len(set(segmented)) <= len(uncut) <= 1   # segmented: its normalised text
    monkeypatch.undo()
    for analyzer, text, terms, cuts in calls:
        assert cuts or text in uncut
        assert real(analyzer, text, terms, cuts) == real(analyzer, text, terms), text


def test_adjacent_matched_words_are_one_mark(analyzer):
    """专利 and 质押 side by side are marked as one run, with no gap between two marks."""
    html = highlight(analyzer, "开展专利质押融资", {"专利", "质押"})
    assert "<mark>专利质押</mark>" in html and "</mark><mark>" not in html
