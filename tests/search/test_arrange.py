"""Arranging results for reading (search_app/arrange.py): sorting by date, date ranges, grouping
by document, each hit's date and validity — on a small dated law collection beside the seed list."""
from __future__ import annotations

import pytest

from search_app import arrange
from search_app.query import QueryError
from search_app.searcher import Searcher
from tests.reader_corpus import CONTRACT, PROMOTION_NEW, PROMOTION_OLD, REGULATION_ID, build_reader_index


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    return Searcher(build_reader_index(tmp_path_factory.mktemp("reader")))


def docs(result):
    return [h["doc_id"] for h in result["hits"]]


# -- date bounds ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, end, bound", [
    ("2018", False, "2018-01-01"), ("2018", True, "2018-12-31"), ("2020-02", True, "2020-02-29"),
    ("2019-02", True, "2019-02-28"), ("2018-6-3", False, "2018-06-03"), ("2018-06-30", True, "2018-06-30")])
def test_a_date_bound_covers_the_year_month_or_day_written(value, end, bound):
    assert arrange.date_bound(value, end) == bound


@pytest.mark.parametrize("value", ["18", "2018-13", "2018-02-30", "2018/06", "明年", "2018-06-01x", ""])
def test_a_malformed_or_impossible_date_is_refused_with_the_forms_it_takes(value):
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        arrange.date_bound(value, False, "from")


def test_a_documents_date_is_its_version_date_else_its_own_date():
    assert arrange.doc_date({"version_date": "2017-09-01", "date": "2015-01-01"}) == "2017-09-01"
    assert arrange.doc_date({"date": "2015-8-9"}) == "2015-08-09"
    assert arrange.doc_date({}) is None


# -- sort -------------------------------------------------------------------------------------

def test_every_hit_carries_its_documents_date(reader):
    result = reader.search("应收账款融资")
    dates = {h["doc_id"]: h["date"] for h in result["hits"]}
    assert dates[PROMOTION_NEW] == "2017-09-01" and dates[REGULATION_ID] == "2020-05-01"
    assert dates[CONTRACT] == "2012-12-28"
    assert result["sort"] == "relevance" and result["group"] is None


def test_sort_by_date_puts_the_newest_documents_first_and_finds_the_same_articles(reader):
    by_relevance = reader.search("应收账款融资", per_page=50)
    by_date = reader.search("应收账款融资", per_page=50, sort="date")
    assert by_date["sort"] == "date"
    assert by_date["total"] == by_relevance["total"]
    assert sorted(h["clause_id"] for h in by_date["hits"]) == sorted(h["clause_id"] for h in by_relevance["hits"])
    dated = [h["date"] for h in by_date["hits"] if h["exact"] and h["date"]]
    assert dated == sorted(dated, reverse=True) and dated[0] == "2020-05-01"
    exact = [h["exact"] for h in by_date["hits"]]
    assert exact == sorted(exact, reverse=True)          # partial matches still after the exact ones
    undated = [i for i, h in enumerate(by_date["hits"]) if h["exact"] and not h["date"]]
    assert all(i > len(dated) - 1 for i in undated)       # undated documents after the dated ones


def test_an_unknown_sort_or_group_is_a_query_error(reader):
    with pytest.raises(QueryError, match="sort"):
        reader.search("应收账款融资", sort="newest")
    with pytest.raises(QueryError, match="group"):
        reader.search("应收账款融资", group="chapter")


# -- date range -------------------------------------------------------------------------------

def test_from_and_to_keep_the_documents_dated_within(reader):
    recent = reader.search("应收账款融资", filters={"from": "2015"})
    assert set(docs(recent)) == {PROMOTION_NEW, REGULATION_ID}
    window = reader.search("应收账款融资", filters={"from": "2012-12", "to": "2017-09-01"})
    assert set(docs(window)) == {PROMOTION_NEW, CONTRACT}
    assert sum(window["facets"]["documents"].values()) == window["total"]   # facets count what is shown
    assert reader.search("应收账款融资", filters={"to": "2000"})["total"] == 0


def test_the_typed_year_filter_still_works_beside_a_range(reader):
    result = reader.search("应收账款融资 年份:2017", filters={"from": "2010"})
    assert set(docs(result)) == {PROMOTION_NEW}


# -- group by document ------------------------------------------------------------------------

def test_group_by_document_counts_each_documents_articles_and_shows_its_best(reader):
    result = reader.search("应收账款融资", group="document")
    groups = {g["doc_id"]: g for g in result["groups"]}
    assert result["groups_total"] == len(groups) >= 3
    promotion = groups[PROMOTION_NEW]
    assert promotion["doc_title"] == "中华人民共和国测试促进法" and promotion["date"] == "2017-09-01"
    assert promotion["count"] == len(promotion["hits"]) >= 2
    assert {h["doc_id"] for h in promotion["hits"]} == {PROMOTION_NEW}
    assert sum(g["count"] for g in result["groups"]) == result["total"]
    assert docs(result) == [h["doc_id"] for g in result["groups"] for h in g["hits"]]   # hits: the groups' articles


def test_groups_are_paged(reader):
    first = reader.search("应收账款融资", group="document", per_page=1)
    second = reader.search("应收账款融资", group="document", per_page=1, page=2)
    assert len(first["groups"]) == len(second["groups"]) == 1
    assert first["groups"][0]["doc_id"] != second["groups"][0]["doc_id"]


# -- validity ---------------------------------------------------------------------------------

def test_a_historical_version_names_its_current_version(reader):
    result = reader.search("应收账款融资 版本:全部")
    old = next(h for h in result["hits"] if h["doc_id"] == PROMOTION_OLD)
    assert old["validity"]["status"] == "historical" and old["validity"]["label"] == "已被替代"
    assert old["validity"]["current"] == {"doc_id": PROMOTION_NEW, "title": "中华人民共和国测试促进法",
                                          "date": "2017-09-01"}
    current = next(h for h in result["hits"] if h["doc_id"] == PROMOTION_NEW)
    assert current["validity"] is None


def test_a_repealing_event_marks_a_document_repealed_but_an_amending_decision_does_not():
    manifest = {"documents": {
        "a": {"title": "甲", "meta": {"events": ["2011年4月16日 公布", "2020年1月1日 废止"]}},
        "b": {"title": "乙", "meta": {"events": ["2014年2月19日 《国务院关于废止和修改部分行政法规的决定》第一次修订"]}}}}
    assert arrange.validity(manifest, "a")["label"] == "已废止"
    assert arrange.validity(manifest, "b") is None


@pytest.mark.parametrize("q", ["应收账款融资", "融资", "企业", "专利质押"])
def test_each_facet_count_is_the_total_its_filter_gives(reader, q):
    result = reader.search(q)
    for facet, to_filter in (("departments", lambda v: {"dept": v}), ("documents", lambda v: {"doc": v}),
                             ("categories", lambda v: {"filters": {"category": v}})):
        for value, count in result["facets"][facet].items():
            assert reader.search(q, **to_filter(value))["total"] == count, (facet, value)


def test_a_document_a_newer_one_repeals_is_marked_repealed_with_a_link_to_it(reader):
    from tests.reader_corpus import REPEALED_ID

    result = reader.search("测试登记")
    hit = next(h for h in result["hits"] if h["doc_id"] == REPEALED_ID)
    assert hit["validity"] == {"status": "repealed", "label": "已废止",
                               "by": {"doc_id": REGULATION_ID, "title": "测试融资管理条例", "date": "2020-05-01"}}
    assert all(h["validity"] is None for h in result["hits"] if h["doc_id"] == REGULATION_ID)


def test_the_titles_a_sentence_repeals():
    assert arrange.repealed_titles("本法自公布之日起施行，《中华人民共和国民事诉讼法（试行）》同时废止。") == [
        "中华人民共和国民事诉讼法（试行）"]
    assert arrange.repealed_titles("《甲条例》、《乙办法》予以废止；依照《丙法》办理。") == ["甲条例", "乙办法"]
    assert arrange.repealed_titles("根据《国务院关于废止和修改部分行政法规的决定》修订。") == []
    assert arrange.repealed_titles("认为行政机关变更或者废止农业承包合同的。") == []
    assert arrange.repealed_titles("根据《中华人民共和国立法法》的规定，决定废止下列规章。") == []


def test_an_interpretation_of_a_law_a_newer_code_repeals_is_outdated_with_it():
    """民法典 repeals 民法总则, which the collection need not hold; the interpretation applying it
    (关于适用《中华人民共和国民法总则》…) is outdated, one made after the code, or of another law, is not."""
    manifest = {"documents": {
        "code": {"title": "中华人民共和国民法典 附则", "meta": {"date": "2020-05-28"}},
        "old": {"title": "最高人民法院关于适用《中华人民共和国民法总则》诉讼时效制度若干问题的解释",
                "meta": {"date": "2018-07-18"}},
        "later": {"title": "最高人民法院关于适用《中华人民共和国民法总则》的批复", "meta": {"date": "2021-03-01"}},
        "other": {"title": "最高人民法院关于适用《中华人民共和国公司法》若干问题的规定", "meta": {"date": "2014-02-20"}}}}
    clauses = [("code", "本法自2021年1月1日起施行。《中华人民共和国婚姻法》、《中华人民共和国民法总则》同时废止。")]
    repealed = arrange.repeals(manifest, clauses)
    assert set(repealed) == {"old"}
    assert arrange.validity(manifest, "old", repealed) == {
        "status": "outdated", "label": "所释法律已废止", "law": "中华人民共和国民法总则",
        "by": {"doc_id": "code", "title": "中华人民共和国民法典 附则", "date": "2020-05-28"}}
    assert arrange.validity(manifest, "other", repealed) is None
