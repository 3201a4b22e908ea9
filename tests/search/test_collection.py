"""A law collection beside the seed list: versions, article lookups, collection facets and
document-metadata filters, on a small collection in the laws Markdown format."""
from __future__ import annotations

import pytest

from indexer.build import build_index
from search_app.query import QueryError
from search_app.searcher import Searcher
from tests.conftest import copy_corpus

LAW = """# 中华人民共和国测试促进法

{date} 第十二届全国人民代表大会常务委员会第二十九次会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了促进测试事业发展，制定本法。

第二十条 国家鼓励金融机构开展应收账款融资业务，{extra}。
"""
LOCAL = """# 上海市测试管理条例

2019年3月5日 上海市第十五届人民代表大会常务委员会第十次会议通过

<!-- INFO END -->

第二十条 本市支持应收账款融资。
"""


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    base = tmp_path_factory.mktemp("laws")
    seed = copy_corpus(base / "corpus")
    laws = base / "laws"
    (laws / "经济法").mkdir(parents=True)
    (laws / "经济法" / "中华人民共和国测试促进法(2002-06-29).md").write_text(
        LAW.format(date="2002年6月29日", extra="旧版条文"), encoding="utf-8")
    (laws / "经济法" / "中华人民共和国测试促进法(2017-09-01).md").write_text(
        LAW.format(date="2017年9月1日", extra="新版条文"), encoding="utf-8")
    local = laws / "DLC" / "上海地方法规" / "地方性法规" / "上海"
    local.mkdir(parents=True)
    (local / "上海市测试管理条例(2019-03-05).md").write_text(LOCAL, encoding="utf-8")
    build_index([seed, laws], base / "index")
    return Searcher(base / "index")


def texts(result):
    return [h["text"] for h in result["hits"]]


def test_older_versions_are_left_out_unless_asked_for(collection):
    """The newest dated file of a work is current; older ones only appear with 版本:全部 or 版本:历史."""
    assert not any("旧版条文" in t for t in texts(collection.search("测试促进法 应收账款融资")))
    assert any("新版条文" in t for t in texts(collection.search("测试促进法 应收账款融资")))
    assert any("旧版条文" in t for t in texts(collection.search("测试促进法 应收账款融资 版本:全部")))
    history = texts(collection.search("测试促进法 应收账款融资 version:historical"))
    assert history and all("新版条文" not in t for t in history)


def test_a_query_naming_an_article_finds_it_first(collection):
    result = collection.search("测试促进法 第二十条")
    top = result["hits"][0]
    assert (top["doc_title"], top["article"], result["relaxed"]) == ("中华人民共和国测试促进法", "第二十条", False)
    assert top["version_date"] == "2017-09-01" and top["category"] == "经济法"
    assert collection.search("测试促进法 第20条")["hits"][0]["article"] == "第二十条"


def test_hits_carry_collection_fields_and_facets(collection):
    result = collection.search("应收账款融资", per_page=50)
    local = [h for h in result["hits"] if h["doc_title"] == "上海市测试管理条例"]
    assert local and local[0]["category"] == "地方性法规" and local[0]["chapter"] is None
    facets = result["facets"]
    assert facets["categories"] == {"经济法": 1, "地方性法规": 1}
    assert facets["provinces"] == {"上海": 1}
    assert sum(facets["documents"].values()) == result["total"]


@pytest.mark.parametrize("q, title", [("省份:上海 应收账款融资", "上海市测试管理条例"),
                                      ("类别:经济法 应收账款融资", "中华人民共和国测试促进法"),
                                      ("年份:2019 应收账款", "上海市测试管理条例"),
                                      ("发文机关:上海市 应收账款", "上海市测试管理条例")])
def test_collection_and_metadata_filters(collection, q, title):
    result = collection.search(q)
    assert result["hits"] and {h["doc_title"] for h in result["hits"]} == {title}


def test_multi_word_phrases_need_the_words_adjacent_and_in_order(collection):
    """融资服务平台 is three words: each hit holds them together; reversed they are no phrase."""
    hits = collection.search('"融资服务平台"', per_page=50)["hits"]
    assert hits and all("融资服务平台" in h["text"] or "融资服务平台" in h["measure_title"] for h in hits)
    assert collection.search('"平台服务融资"')["total"] == 0


def test_unknown_filter_values_find_nothing_and_bad_ones_are_refused(collection):
    assert collection.search("省份:西藏 应收账款")["total"] == 0
    with pytest.raises(QueryError):
        collection.search("版本:明年 应收账款")


def test_the_last_version_filter_typed_wins(collection):
    """版本:历史 then 版本:现行 asks for the current version, not for nothing."""
    hits = texts(collection.search("测试促进法 应收账款融资 版本:历史 版本:现行"))
    assert hits and all("旧版条文" not in t for t in hits)
