"""The query language, parsed into a small tree before any index query exists.

Every query either parses into words, phrases, alternatives, exclusions and filters, or fails
with a QueryError whose message is a reason fit to show the reader.
"""
from __future__ import annotations

import pytest

from search_app.query import MAX_QUERY_LENGTH, QueryError, Word, parse


def words(group):
    return [(w.text, w.phrase) for w in group]


def test_words_are_all_required():
    """Space-separated words are ANDed: one group each."""
    parsed = parse("专利 质押 融资")
    assert [words(g) for g in parsed.groups] == [[("专利", False)], [("质押", False)], [("融资", False)]]
    assert parsed.negated == [] and parsed.filters == {}


def test_ascii_quotes_make_phrases_chinese_quotes_are_emphasis():
    assert parse('"协议工资制"').groups == [[Word("协议工资制", True)]]
    assert parse("“协议工资制”").groups == [[Word("协议工资制", False)]]
    assert parse("效力“买卖”怎么认定").groups == [[Word("效力", False)], [Word("买卖", False)], [Word("怎么认定", False)]]
    assert parse("“专利").groups == [[Word("专利", False)]]
    assert parse('"专利 质押" 融资').groups == [[Word("专利 质押", True)], [Word("融资", False)]]


def test_or_joins_its_neighbours_into_one_group():
    parsed = parse("年薪制 OR 协议工资 融资")
    assert [words(g) for g in parsed.groups] == [[("年薪制", False), ("协议工资", False)], [("融资", False)]]
    assert parse("年薪制 | 协议工资").groups == parsed.groups[:1]


def test_lower_case_or_is_a_word():
    """Only upper-case OR is an operator (or is an English word someone may search for)."""
    assert [words(g) for g in parse("a or b").groups] == [[("a", False)], [("or", False)], [("b", False)]]


@pytest.mark.parametrize("q", ["OR 专利", "专利 OR", "专利 OR OR 质押"])
def test_or_needs_a_word_on_each_side(q):
    with pytest.raises(QueryError, match="OR needs a word on each side"):
        parse(q)


@pytest.mark.parametrize("q", ["融资 -房地产", "-房地产 融资", "融资 NOT 房地产", "NOT 房地产 融资"])
def test_minus_and_not_exclude(q):
    parsed = parse(q)
    assert parsed.groups == [[Word("融资")]]
    assert parsed.negated == [Word("房地产")]


def test_excluded_phrase():
    parsed = parse('年薪制 -"协议工资制"')
    assert parsed.negated == [Word("协议工资制", True)]


def test_and_is_implicit():
    assert parse("专利 AND 质押").groups == parse("专利 质押").groups


@pytest.mark.parametrize("q", ["部门:知识产权局", "dept:知识产权局", "部门：知识产权局", "DEPT:知识产权局", "department:知识产权局"])
def test_department_filter_in_any_spelling(q):
    """部门:/dept:, half- or full-width colon, any case of the ASCII name."""
    parsed = parse(q + " 融资")
    assert parsed.filters == {"dept": ["知识产权局"]}
    assert parsed.groups == [[Word("融资")]]


@pytest.mark.parametrize("q", ["文件:山西", "doc:山西", "文件：山西"])
def test_document_filter(q):
    assert parse(q).filters == {"doc": ["山西"]}


def test_a_filter_alone_is_a_query():
    """部门:省知识产权局 lists that department's clauses: no word needed."""
    parsed = parse("部门:省知识产权局")
    assert parsed.groups == [] and parsed.filters == {"dept": ["省知识产权局"]}


def test_repeated_filters_accumulate():
    assert parse("dept:甲 部门:乙 专利").filters == {"dept": ["甲", "乙"]}


def test_chinese_word_before_a_colon_is_text():
    """注意：事项 is prose, not an unknown field."""
    assert [words(g) for g in parse("注意：事项").groups] == [[("注意：事项", False)]]


@pytest.mark.parametrize("q", ["foo:bar", "http://example.com", "title:专利"])
def test_unknown_ascii_field_is_an_error(q):
    with pytest.raises(QueryError, match="unknown field") as err:
        parse(q)
    assert "dept" in str(err.value) and "doc" in str(err.value)  # the message lists what is allowed


@pytest.mark.parametrize("q", ['"协议工资制', '协议工资制"', '"a" "b', '“a” "b'])
def test_unbalanced_quote_is_an_error(q):
    with pytest.raises(QueryError, match="unbalanced quote"):
        parse(q)


@pytest.mark.parametrize("q", [None, "", "   ", "\t\n"])
def test_empty_query_is_an_error(q):
    with pytest.raises(QueryError, match="empty query"):
        parse(q)


def test_length_limit_is_200_characters():
    assert MAX_QUERY_LENGTH == 200
    assert parse("专" * 200).groups
    with pytest.raises(QueryError, match="query too long: 201 characters, at most 200"):
        parse("专" * 201)


@pytest.mark.parametrize("q", ["-房地产", "NOT 房地产", "-房地产 -区块链", '-"协议工资制"'])
def test_only_negative_query_is_an_error(q):
    """Excluding alone would list the whole index: ask for a word to search for."""
    with pytest.raises(QueryError, match="only excludes"):
        parse(q)


def test_exclusion_with_a_filter_is_fine():
    parsed = parse("部门:省知识产权局 -专利")
    assert parsed.filters == {"dept": ["省知识产权局"]} and parsed.negated == [Word("专利")]


def test_control_characters_are_spaces():
    assert parse("专利\x00质押").groups == parse("专利 质押").groups


def test_query_error_is_a_value_error():
    """Callers that catch ValueError (the web layer's parameter checks) also catch bad queries."""
    assert issubclass(QueryError, ValueError)


@pytest.mark.parametrize("q", ["专利 -部门:知识产权局", "专利 NOT dept:省知识产权局"])
def test_a_negated_filter_is_refused_not_turned_into_an_inclusion(q):
    with pytest.raises(QueryError, match="cannot be negated"):
        parse(q)


# -- issue 12: stuffed filters ------------------------------------------------------------------

def test_filters_count_toward_the_word_limit():
    from search_app.query import MAX_WORDS
    words = " ".join(f"词{i}" for i in range(MAX_WORDS - 2))
    assert parse(f"{words} 部门:甲 部门:乙")                   # words + filters = the limit
    with pytest.raises(QueryError, match="too many words"):
        parse(f"{words} 部门:甲 部门:乙 年份:2018")


def test_a_query_has_a_bounded_number_of_filters():
    from search_app.query import MAX_FILTERS
    with pytest.raises(QueryError, match="too many filters"):
        parse("专利 " + " ".join(f"年份:{2000 + i}" for i in range(MAX_FILTERS + 1)))
    with pytest.raises(QueryError, match="too many filters"):     # the red team's 文件:条例 ×33, distinct ones
        parse("专利 " + " ".join(f"文件:条例{i}" for i in range(12)))


def test_a_filter_typed_twice_counts_once():
    parsed = parse("专利 " + "年份:2 " * 38)
    assert parsed.filters == {"year": ["2"]}


def test_the_limits_have_one_source():
    """The parser, the searcher and the web settings' defaults bound a request by search_app/limits.py."""
    from search_app import config, limits, query, searcher
    assert query.MAX_QUERY_LENGTH == config.DEFAULTS["MAX_QUERY_LENGTH"] == limits.MAX_QUERY_LENGTH
    assert searcher.MAX_PER_PAGE == config.DEFAULTS["MAX_PER_PAGE"] == limits.MAX_PER_PAGE
    assert searcher.MAX_PAGE == config.DEFAULTS["MAX_PAGE"] == limits.MAX_PAGE
    with pytest.raises(query.QueryError, match=str(limits.MAX_QUERY_LENGTH)):
        query.parse("专" * (limits.MAX_QUERY_LENGTH + 1))
