"""What readers asked each article, as one more field of the unit (search_app/asked.py)."""
from __future__ import annotations

import numpy as np
import pytest

from indexer.model import CorpusError
from indexer.resources import parse_asked_words
from search_app.asked import AskedWords


def test_a_unit_is_scored_with_bm25_over_the_words_readers_asked_it():
    asked = AskedWords({0: {"坠楼": 3, "医院": 1}, 2: {"医院": 1, "赔偿": 1}})
    scores = asked.scores(["坠楼", "医院"], 4, k1=1.2, b=0.0)
    assert scores.shape == (4,) and scores[1] == scores[3] == 0.0
    assert scores[0] > scores[2] > 0.0   # asked about with both words, one of them three times
    # a word asked of one unit weighs more than one asked of both (idf over the asked units)
    assert asked.scores(["坠楼"], 4, 1.2, 0.0)[0] > asked.scores(["医院"], 4, 1.2, 0.0)[0]


def test_length_normalisation_follows_b():
    asked = AskedWords({0: {"赔偿": 1}, 1: {"赔偿": 1, "医院": 1, "病人": 1, "坠楼": 1}})
    flat = asked.scores(["赔偿"], 2, 1.2, 0.0)
    normalised = asked.scores(["赔偿"], 2, 1.2, 1.0)
    assert flat[0] == flat[1]
    assert normalised[0] > normalised[1]   # the word is a larger share of the short bag


def test_words_no_reader_asked_give_none():
    assert AskedWords({0: {"坠楼": 1}}).scores(["比特币"], 3, 1.2, 0.3) is None
    assert AskedWords({}).scores(["坠楼"], 3, 1.2, 0.3) is None


def test_build_adds_every_version_of_an_article_and_normalises_the_words():
    entries = [("测试法", "第一条", [("離婚", 2)]), ("测试法", "第二条", [("离婚", 1)]), ("无此法", "第一条", [("离婚", 5)])]
    where = {("测试法", "第一条"): [0, 5], ("测试法", "第二条"): [5]}
    asked = AskedWords.build(entries, lambda t, a: where.get((t, a), ()), lambda w: w.replace("離", "离"))
    scores = asked.scores(["离婚"], 6, 1.2, 0.0)
    assert asked.units == 2 and np.flatnonzero(scores).tolist() == [0, 5]
    assert scores[5] > scores[0]   # asked three times in all (two entries share the unit)


def test_the_file_format_is_read_and_a_bad_line_named():
    text = "# comment\n中华人民共和国民法典 侵权责任编\t第一千一百六十五条\t赔偿:12 责任:9\n"
    assert parse_asked_words(text) == [("中华人民共和国民法典 侵权责任编", "第一千一百六十五条", [("赔偿", 12), ("责任", 9)])]
    for bad in ("测试法\t第一条", "测试法\t第一条\t赔偿", "测试法\t第一条\t赔偿:x", "\t第一条\t赔偿:1"):
        with pytest.raises(CorpusError, match=r"asked_words.tsv:2"):
            parse_asked_words(f"# ok\n{bad}\n", "asked_words.tsv")


def test_min_words_leaves_out_units_asked_with_fewer_of_the_words():
    asked = AskedWords({0: {"坠楼": 1, "医院": 1}, 1: {"医院": 1}})
    both = asked.scores(["坠楼", "医院"], 2, 1.2, 0.0, min_words=2)
    assert both[0] > 0 and both[1] == 0
    assert asked.scores(["医院"], 2, 1.2, 0.0, min_words=2) is None
