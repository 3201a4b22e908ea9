"""Did you mean (search_app/spelling.py): a query with no or few hits and a near spelling of a
frequent word is offered the correction, in the result's `did_you_mean`."""
from __future__ import annotations

from search_app import spelling


def test_a_misspelt_word_is_corrected_to_the_frequent_word_one_character_away(searcher):
    result = searcher.search("专利质压")
    assert result["total"] == 0
    assert result["did_you_mean"] == "专利质押"
    assert searcher.search(result["did_you_mean"])["total"] > 0


def test_the_correction_keeps_the_rest_of_the_query_as_typed(searcher):
    assert searcher.search("专利质压 部门:省知识产权局")["did_you_mean"] == "专利质押 部门:省知识产权局"


def test_partial_matches_do_not_hide_a_misspelling(searcher):
    """专利质压 finds articles holding 专利 alone; none holds both words, so the correction is offered."""
    result = searcher.search("专利质压 融资")
    assert not any(h["exact"] for h in result["hits"])
    assert result["did_you_mean"] == "专利质押 融资"


def test_a_query_with_hits_or_without_a_near_word_is_offered_nothing(searcher):
    assert searcher.search("专利质押")["did_you_mean"] is None
    assert searcher.search("比特币")["did_you_mean"] is None


def test_a_candidate_must_find_more_than_the_query_typed():
    class Analyzer:
        def __call__(self, text, mode, chars):
            from types import SimpleNamespace
            return [SimpleNamespace(text=text, startchar=0, endchar=len(text))]

    lexicon = spelling.Lexicon.__new__(spelling.Lexicon)
    lexicon.frequency = {"质押": 9, "质量": 20, "气压": 3}
    lexicon.by_pattern = {"质?": ["质量", "质押"], "?压": ["气压"]}
    assert lexicon.near("质压") == ["质量", "质押", "气压"]          # most frequent first, any one character
    found = {"质量": 0, "质押": 3, "气压": 1}
    assert spelling.did_you_mean(lexicon, Analyzer(), "质压", 0, found.get) == "质押"
    assert spelling.did_you_mean(lexicon, Analyzer(), "质压", 0, lambda q: 0) is None
    assert spelling.did_you_mean(lexicon, Analyzer(), "质压", spelling.FEW_HITS + 1, found.get) is None


def test_a_question_in_the_readers_words_is_not_corrected(searcher):
    """A question ranks as one list (no article need hold every word): no correction is guessed for it."""
    assert searcher.search("企业怎么申请专利质压贷款")["did_you_mean"] is None
