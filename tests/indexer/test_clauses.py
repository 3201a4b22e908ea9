"""Clauses: paragraphs cut into sentences, the unit of search results.

A clause ends after 。！？； or at the paragraph end, never inside a matched bracket or quote;
cutting loses and duplicates nothing, and clause ids are stable addresses.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.clauses import ENDERS, TRAILERS, document_clauses, split_sentences
from indexer.model import Document, Measure
from indexer.readers import read_document
from tests.conftest import CORPUS, SEED


@pytest.fixture(scope="module")
def seed():
    return read_document(CORPUS / SEED, "seed")


def test_splits_after_each_sentence_ender():
    assert split_sentences("甲。乙！丙？丁；戊") == ["甲。", "乙！", "丙？", "丁；", "戊"]


def test_half_width_enders_split_too():
    assert split_sentences("甲!乙?丙;丁") == ["甲!", "乙?", "丙;", "丁"]


def test_comma_and_colon_do_not_split():
    assert split_sentences("一是加强指导，二是：动态跟踪。") == ["一是加强指导，二是：动态跟踪。"]


def test_runs_of_enders_and_closing_quotes_stay_with_their_sentence():
    """「什么？！」 is one ending; a closing quote after the ender belongs to the sentence it ends."""
    assert split_sentences("真的吗？！是的。") == ["真的吗？！", "是的。"]
    assert split_sentences("“好。走！”他说。") == ["“好。走！”他说。"]


@pytest.mark.parametrize("text", [
    "根据《关于开展试点的通知。第二部分》执行。",
    "他说“先试点。再推广！”然后落实。",
    "落实政策（详见附件一。附件二；）并报告。",
    "按照晋政办发〔2018。12〕号执行。",
    "落实“双创”债券（证监会公告[2017]10号）中的措施。",
])
def test_never_splits_inside_brackets_or_quotes(text):
    """Titles, quotations and notes are part of the sentence that holds them."""
    assert split_sentences(text) == [text]


def test_nested_brackets_protect_their_content():
    text = "落实《关于印发〈山西省股权投资类企业注册监管办法（试行）。〉的通知》。下一句。"
    assert split_sentences(text) == ["落实《关于印发〈山西省股权投资类企业注册监管办法（试行）。〉的通知》。", "下一句。"]


def test_unbalanced_quote_does_not_swallow_the_paragraph():
    """An amendment quoting several paragraphs opens “ and never closes it within the paragraph."""
    assert split_sentences("将第五条修改为：“第五条 国家支持。第二款内容。第三款内容。") == [
        "将第五条修改为：“第五条 国家支持。", "第二款内容。", "第三款内容。"]


def test_stray_closing_bracket_is_harmless():
    assert split_sentences("见上文）。下一句。") == ["见上文）。", "下一句。"]


def test_trailing_space_joins_the_last_sentence():
    """No clause is blank: trailing whitespace belongs to the sentence before it."""
    assert split_sentences("第一句。第二句。  ") == ["第一句。", "第二句。  "]


def test_paragraph_without_ender_is_one_clause():
    assert split_sentences("优化网点布局") == ["优化网点布局"]


# -- the seed: nothing lost, stable ids ---------------------------------------------------------

def test_every_seed_paragraph_round_trips(seed):
    """Every character of the content lands in exactly one clause: joining a paragraph's clauses gives it back."""
    for m in seed.measures:
        for para in m.paragraphs:
            pieces = split_sentences(para)
            assert "".join(pieces) == para
            assert all(p.strip() for p in pieces)


def test_seed_clauses_rebuild_every_paragraph(seed):
    """document_clauses covers every paragraph of every measure, in reading order, nothing twice."""
    clauses = document_clauses(seed)
    rebuilt: dict[tuple[int, int], str] = {}
    for c in clauses:
        rebuilt[(c.measure_no, c.paragraph)] = rebuilt.get((c.measure_no, c.paragraph), "") + c.text
    expected = {(m.no, i): p for m in seed.measures for i, p in enumerate(m.paragraphs, 1)}
    assert rebuilt == expected
    assert list(rebuilt) == list(expected)  # reading order


def test_seed_clause_ids_are_stable_addresses(seed):
    """doc:measure:paragraph:sentence, 1-based and consecutive; reading again gives the same ids."""
    clauses = document_clauses(seed)
    ids = [c.clause_id for c in clauses]
    assert len(set(ids)) == len(ids)
    for c in clauses:
        assert c.clause_id == f"seed:{c.measure_no}:{c.paragraph}:{c.sentence}"
        assert c.doc_id == "seed"
    firsts = [c for c in clauses if c.sentence == 1]
    assert {(c.measure_no, c.paragraph) for c in firsts} == {(c.measure_no, c.paragraph) for c in clauses}
    for a, b in zip(clauses, clauses[1:]):
        if (a.measure_no, a.paragraph) == (b.measure_no, b.paragraph):
            assert b.sentence == a.sentence + 1
    assert ids == [c.clause_id for c in document_clauses(read_document(CORPUS / SEED, "seed"))]
    assert "seed:3:3:2" in ids


def test_clause_ids_use_measure_numbers_not_positions():
    """A list that starts at 序号 5 addresses its first clause as :5:, so links survive edits above it."""
    doc = Document("d", "t", [Measure(5, "甲", ["一。二。"]), Measure(9, "乙", ["三。", "四"])])
    assert [c.clause_id for c in document_clauses(doc)] == ["d:5:1:1", "d:5:1:2", "d:9:1:1", "d:9:2:1"]


# -- properties on arbitrary text ----------------------------------------------------------------

PUNCTUATION = list("。！？；!?;，：“”‘’《》（）()〔〕[]【】「」『』 ")
clause_text = st.text(alphabet=st.one_of(st.sampled_from(PUNCTUATION), st.characters()), max_size=80)


@settings(max_examples=300, deadline=None)
@given(clause_text)
def test_round_trip_on_arbitrary_text(text):
    """''.join(split_sentences(p)) == p for any p, and no clause of a non-blank paragraph is blank."""
    pieces = split_sentences(text)
    assert "".join(pieces) == text
    if text.strip():
        assert all(p.strip() for p in pieces)


@settings(max_examples=300, deadline=None)
@given(clause_text)
def test_cuts_only_after_an_ender(text):
    """Every clause but the last ends with a sentence ender, a closing quote after one, or trailing space."""
    pieces = split_sentences(text)
    for p in pieces[:-1]:
        core = p.rstrip()
        assert core and (core[-1] in ENDERS or core[-1] in TRAILERS)


BRACKETS = [("《", "》"), ("“", "”"), ("（", "）"), ("〔", "〕")]
no_brackets = st.text(alphabet=st.one_of(st.sampled_from(list("。！？；!?; 甲乙")), st.characters(
    blacklist_characters="".join("".join(b) for b in BRACKETS) + "‘’()[]【】「」『』〈〉")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BRACKETS), no_brackets)
def test_matched_brackets_are_never_cut(pair, inner):
    """Whatever a matched bracket pair holds, the sentence around it stays one clause."""
    text = f"依照{pair[0]}{inner}{pair[1]}执行"
    assert split_sentences(text) == [text]


# -- issue 12: bounded clauses ----------------------------------------------------------------------

def test_an_enormous_sentence_becomes_bounded_clauses_losing_nothing():
    from indexer.clauses import bounded
    from indexer.model import MAX_CLAUSE_CHARS
    sentence = "推动科技成果转化，" * 2000 + "无标点" * 3000
    pieces = bounded(sentence)
    assert "".join(pieces) == sentence
    assert all(0 < len(p) <= MAX_CLAUSE_CHARS for p in pieces)
    assert pieces[0].endswith("，")                    # cut after a comma where there is one
    assert bounded("短句。") == ["短句。"]
