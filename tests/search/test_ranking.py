"""Ranking v2 as specifications: the article is the unit, full matches at article level first,
questions ranked by evidence, authority when no document is named, the lay vocabulary."""
from __future__ import annotations

import numpy as np
import pytest

from indexer.build import build_index
from indexer.model import CorpusError
from indexer.resources import parse_lay_terms
from search_app import ranking
from search_app.searcher import Searcher
from search_app.units import Units
from tests.conftest import copy_corpus

LAW = """# 中华人民共和国测试劳动法

2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了保护劳动者的合法权益，制定本法。

第二条 用人单位应当依法为劳动者缴纳社会保险费。劳动者有权查询缴费记录。

第三条 用人单位解除劳动合同的，应当向劳动者支付经济补偿。经济补偿按劳动者在本单位工作的年限支付。

第四条 劳动合同可以约定试用期。试用期最长不得超过六个月。
"""
LOCAL = """# 上海市测试劳动条例

2019年3月5日 上海市第十五届人民代表大会常务委员会第十次会议通过

<!-- INFO END -->

第二条 本市用人单位应当依法为劳动者缴纳社会保险费。
"""
LAY = "# test\n社保 => 社会保险\n辞退 => 解除劳动合同\n"


@pytest.fixture(scope="module")
def laws(tmp_path_factory):
    base = tmp_path_factory.mktemp("ranking")
    corpus = copy_corpus(base / "corpus")
    (corpus / "lay_terms.txt").write_text(LAY, encoding="utf-8")
    folder = base / "laws"
    (folder / "社会法").mkdir(parents=True)
    (folder / "社会法" / "中华人民共和国测试劳动法(2017-09-01).md").write_text(LAW, encoding="utf-8")
    local = folder / "DLC" / "上海地方法规" / "地方性法规" / "上海"
    local.mkdir(parents=True)
    (local / "上海市测试劳动条例(2019-03-05).md").write_text(LOCAL, encoding="utf-8")
    build_index([corpus, folder], base / "index")
    return Searcher(base / "index")


def articles(result):
    return [(h["doc_title"], h["article"]) for h in result["hits"]]


# -- units ---------------------------------------------------------------------------------------

class Postings:
    def frequencies(self, searcher, field, btext):
        return np.array([0, 1, 2, 3], dtype=np.int32), np.array([1.0, 2.0, 1.0, 4.0])


@pytest.mark.parametrize("unit_of", [[0, 0, 1, 2], [2, 2, 1, 0]])
def test_a_units_term_frequency_sums_its_clauses_in_any_clause_order(unit_of):
    units = Units(unit_of, [0, 0, 0, 0], np.array([4.0, 6.0, 5.0, 1.0]))
    assert units.count == 3 and units.ordered == (unit_of == sorted(unit_of))
    found = units.term(Postings(), None, "text", b"w")
    frequency = dict(zip(found.ids.tolist(), found.freq.tolist()))
    assert frequency == {unit_of[0]: 3.0, unit_of[2]: 1.0, unit_of[3]: 4.0}
    assert units.length[unit_of[0]] == 10.0
    assert sorted(units.clauses(unit_of[0]).tolist()) == [0, 1]


@pytest.mark.parametrize("unit_of", [[0, 0, 1, 2], [2, 2, 1, 0]])
def test_lifting_clauses_gives_each_of_their_units_once_sorted(unit_of):
    units = Units(unit_of, [0, 0, 0, 0], np.array([4.0, 6.0, 5.0, 1.0]))
    assert units.lift(np.array([0, 1, 3])).tolist() == sorted({unit_of[0], unit_of[3]})
    assert units.lift(np.array([3, 0, 0])).tolist() == sorted({unit_of[0], unit_of[3]})


def test_clause_scores_of_a_page_are_each_units_own_scored_alone():
    """The units a page shows are scored in one pass; each unit's clauses still compete only
    among themselves (their own average length), and a clause without the term scores nothing."""
    units = Units([0, 0, 1, 2], [0, 0, 0, 0], np.array([4.0, 6.0, 5.0, 1.0]))
    ranker = ranking.ArticleRanker(units, [None, None, None])
    terms = [ranking.Term("w", 1.0)]
    pages = [np.array([0, 1]), np.array([2]), np.array([3])]
    together = ranker.clause_scores(Postings(), None, terms, pages)
    alone = [ranker.clause_scores(Postings(), None, terms, [p])[0] for p in pages]
    assert [w.tolist() for w in together] == [w.tolist() for w in alone]
    assert together[0][1] > together[0][0] > 0      # tf 2 beats tf 1 in the same unit
    assert ranker.clause_scores(Postings(), None, [ranking.Term("w", 0.0)], pages)[0].tolist() == [0.0, 0.0]


# -- the article as the unit ---------------------------------------------------------------------

def test_words_in_different_sentences_of_one_article_are_a_full_match(laws):
    """解除劳动合同 and 经济补偿 stand in one sentence, 年限 in the next: the article holds all three."""
    result = laws.search("解除劳动合同 年限")
    top = result["hits"][0]
    assert (top["article"], top["exact"]) == ("第三条", True)
    assert not any(h["exact"] for h in result["hits"][1:])


def test_one_hit_per_article_with_its_other_matching_clauses(laws):
    result = laws.search("经济补偿")
    keys = articles(result)
    assert len(keys) == len(set(keys))
    top = result["hits"][0]
    assert top["article"] == "第三条" and "经济补偿" in top["text"] and "<mark>" in top["highlight"]
    assert [c["text"] for c in top["clauses"]] and all("经济补偿" in c["text"] for c in top["clauses"])
    assert all(c["clause_id"] != top["clause_id"] for c in top["clauses"])


def test_a_question_gets_ranked_partial_matches_never_an_empty_page(laws):
    result = laws.search("试用期可以延长到一年吗")
    assert result["hits"] and result["hits"][0]["article"] == "第四条"


def test_a_short_query_naming_what_the_collection_never_mentions_finds_nothing(laws):
    assert laws.search("密室逃脱")["total"] == 0


def test_a_question_with_a_word_the_collection_never_uses_still_gets_answers(laws):
    assert laws.search("劳动合同谁说了算")["hits"]


def test_chinese_quotes_in_a_question_are_emphasis_not_a_phrase_filter(laws):
    result = laws.search("“经济补偿”怎么算")
    assert result["hits"] and result["hits"][0]["article"] == "第三条"


# -- priors --------------------------------------------------------------------------------------

def test_national_law_before_local_regulation_unless_the_query_names_a_place(laws):
    result = laws.search("缴纳社会保险费")
    assert result["hits"][0]["doc_title"] == "中华人民共和国测试劳动法"
    local = laws.search("缴纳社会保险费 省份:上海")
    assert local["hits"] and all(h["doc_title"] == "上海市测试劳动条例" for h in local["hits"])


# -- vocabulary ----------------------------------------------------------------------------------

def test_lay_words_reach_the_statutes_words_and_are_reported(laws):
    result = laws.search("社保")
    assert result["expanded"] == {"社保": ["社会保险"]}
    assert result["hits"][0]["article"] == "第二条" and "<mark>社会保险</mark>" in result["hits"][0]["highlight"]
    assert laws.search("社保", expand=False)["total"] == 0


def test_lay_terms_are_one_way():
    assert parse_lay_terms("醉驾 => 醉酒驾驶\n") == [["醉驾", ["醉酒驾驶"]]]
    vocabulary = ranking.Vocabulary(str, parse_lay_terms("醉驾 => 醉酒驾驶\n"))
    assert "醉酒驾驶" not in vocabulary.lay


@pytest.mark.parametrize("line", ["醉驾 醉酒驾驶", "=> 醉酒驾驶", "醉驾 =>", "醉 驾 => 醉酒驾驶"])
def test_a_malformed_lay_line_names_its_file_and_line(line):
    with pytest.raises(CorpusError, match=r"lay_terms.txt:2"):
        parse_lay_terms(f"# ok\n{line}\n", "lay_terms.txt")


def test_learned_associations_widen_questions_not_keyword_queries(laws):
    gen = laws.generation()
    vocabulary = ranking.Vocabulary(str, (), [["缴费", "社会保险", 1.0]])
    compiler = gen.compiler()
    short = ranking.query_terms(compiler, ["缴费"], gen.question_words, vocabulary).terms
    long = ranking.query_terms(compiler, ["单位 不 给 我 缴费 记录 查询"], gen.question_words, vocabulary).terms
    assert "社会保险" not in {t.word for t in short}
    learned = [t for t in long if t.word == "社会保险"]
    assert learned and not learned[0].holds and learned[0].weight < 1.0


def test_a_question_mark_or_final_particle_asks_even_without_a_question_word(laws):
    """吗/呢/？ end a question: its words are evidence, so a word the collection never uses
    (犯法) does not empty it, while the same words as keywords still want every word."""
    assert laws.search("试用期 犯法")["total"] == 0
    for q in ("试用期犯法吗？", "试用期犯法吗", "试用期 犯法?"):
        assert articles(laws.search(q))[0] == ("中华人民共和国测试劳动法", "第四条"), q
    gen = laws.generation()
    assert not ranking.query_terms(gen.compiler(), ["吗啡 试用期"], gen.question_words).question


def test_learned_necessity_reweighs_a_questions_own_words_not_a_keyword_querys(laws):
    """`word = weight` lines: a word readers write and answers rarely hold weighs less in a question."""
    gen = laws.generation()
    vocabulary = ranking.Vocabulary(str, (), [["单位", "=", 0.25], ["缴费", "=", 1.5]])
    assert vocabulary.necessity == {"单位": 0.25, "缴费": 1.5} and not vocabulary.learned
    compiler = gen.compiler()
    question = {t.word: t.weight for t in ranking.query_terms(
        compiler, ["单位 不 给 我 缴费 记录 查询"], gen.question_words, vocabulary).terms}
    plain = {t.word: t.weight for t in ranking.query_terms(
        compiler, ["单位 不 给 我 缴费 记录 查询"], gen.question_words).terms}
    assert question["单位"] == pytest.approx(plain["单位"] * 0.25 ** ranking.NECESSITY_EXPONENT)
    assert question["单位"] < plain["单位"] < question["缴费"]
    assert question["缴费"] == pytest.approx(plain["缴费"] * 1.5 ** ranking.NECESSITY_EXPONENT)
    assert question["记录"] == plain["记录"]
    keywords = {t.word: t.weight for t in ranking.query_terms(compiler, ["单位 缴费"], gen.question_words, vocabulary).terms}
    assert keywords["单位"] == keywords["缴费"] == 1.0


def test_question_words_are_left_out_and_fragments_weigh_less_than_words(laws):
    gen = laws.generation()
    analysed = ranking.query_terms(gen.compiler(), ["劳动合同怎么办"], gen.question_words)
    assert analysed.question
    terms = analysed.terms
    weights = {t.word: t.weight for t in terms}
    assert "怎么办" not in weights and weights["劳动合同"] == 1.0
    assert all(w < 1.0 for word, w in weights.items() if word != "劳动合同")


# -- the API and the page say what was expanded ----------------------------------------------------

@pytest.fixture(scope="module")
def laws_client(laws):
    from search_app import create_app
    app = create_app({"INDEX_DIR": str(laws.store.root), "TESTING": True})
    return app.test_client()


def test_api_reports_expansions_and_expand_0_searches_the_words_as_typed(laws_client):
    data = laws_client.get("/api/search", query_string={"q": "社保"}).get_json()
    assert data["expanded"] == {"社保": ["社会保险"]} and data["hits"]
    plain = laws_client.get("/api/search", query_string={"q": "社保", "expand": "0"}).get_json()
    assert plain["expanded"] == {} and plain["total"] == 0
    bad = laws_client.get("/api/search", query_string={"q": "社保", "expand": "yes"})
    assert bad.status_code == 400 and "expand" in bad.get_json()["error"]


def test_page_says_what_it_also_searched_and_links_to_the_words_as_typed(laws_client):
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(laws_client.get("/search", query_string={"q": "社保"}).get_data(as_text=True), "html.parser")
    line = soup.select_one(".expanded")
    assert "也检索了" in line.get_text() and "社会保险" in line.get_text()
    assert "expand=0" in line.select_one("a")["href"]


def test_page_lists_an_articles_other_matching_clauses(laws_client):
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(laws_client.get("/search", query_string={"q": "经济补偿"}).get_data(as_text=True),
                         "html.parser")
    more = soup.select_one(".hit").select(".hit-more .hit-more-text")   # the first hit: 第三条
    assert more and all("经济补偿" in a.get_text() for a in more) and all("#" in a["href"] for a in more)


def test_facets_counted_per_document_equal_counting_each_units_first_clause(laws):
    """category, province and the document are a document's values: counted from units per
    document in one pass, they must be what counting every unit's first clause gives."""
    from search_app.generation import FACETS
    gen = laws.generation()
    units = gen.units()
    matched = np.flatnonzero(units.live)
    fast = gen.count_facets(matched)
    assert set(gen.document_facets()) == {"category", "province", "doc_id"}
    slow = {name: gen.facet(field).count(units.first[matched], limit) for name, field, limit in FACETS}
    assert fast == slow and fast["provinces"] and len(fast["documents"]) >= 2
    assert gen.count_facets(matched[:1]) == {name: gen.facet(field).count(units.first[matched[:1]], limit)
                                             for name, field, limit in FACETS}


def test_a_compilers_kept_analysis_hands_out_fresh_words(laws):
    """units() keeps each text's analysis (a query's words are analysed twice, readers' words
    recur), but a caller changing the words it got changes nothing for the next caller."""
    compiler = laws.generation().compiler()
    first = compiler.units("解除劳动合同经济补偿")
    assert [u.word for u in first] and any(u.subwords for u in first)
    expected = [(u.word, list(u.subwords), u.pos) for u in first]
    first[0].subwords.append("改动")
    first.pop()
    assert [(u.word, u.subwords, u.pos) for u in compiler.units("解除劳动合同经济补偿")] == expected


def test_what_readers_asked_an_article_answers_a_question_in_their_own_words(laws, tmp_path, monkeypatch):
    """A question sharing no word with the article (老板, 炒鱿鱼, 赔钱) finds it through the words
    readers asked it with; a keyword query stays as typed."""
    asked = tmp_path / "asked.tsv"
    asked.write_text("# test\n中华人民共和国测试劳动法\t第三条\t老板:3 炒鱿鱼:2 赔钱:2\n", encoding="utf-8")
    monkeypatch.setenv("POLICY_SEARCH_ASKED_WORDS", str(asked))
    searcher = Searcher(laws.store.root)
    question = "老板把我炒鱿鱼了，能要求赔钱吗？"
    found = searcher.search(question)
    assert articles(found)[0] == ("中华人民共和国测试劳动法", "第三条")
    assert found["hits"][0]["asked"] == ["老板", "炒鱿鱼", "赔钱"]   # what the hit owes to readers' words
    unexpanded = searcher.search(question, expand=False)   # the page's "只检索输入的词"
    assert all("asked" not in h for h in unexpanded["hits"])
    assert ("中华人民共和国测试劳动法", "第三条") not in articles(unexpanded)
    assert searcher.search("炒鱿鱼")["total"] == 0
    monkeypatch.setenv("POLICY_SEARCH_ASKED_WORDS", str(tmp_path / "empty.tsv"))
    (tmp_path / "empty.tsv").write_text("# nothing asked\n", encoding="utf-8")
    assert ("中华人民共和国测试劳动法", "第三条") not in articles(Searcher(laws.store.root).search(question))


TIMES = """# 中华人民共和国测试时效法

2020年5月28日 第十三届全国人民代表大会第三次会议通过

<!-- INFO END -->

第一条 诉讼时效期间中止。诉讼时效期间中断。

第二条 当事人向人民法院请求保护民事权利的诉讼时效期间为三年，法律另有规定的，依照其规定。
"""


@pytest.mark.parametrize("bonus, order", [(ranking.ANSWER_TYPE_BONUS, ["第二条", "第一条"]), (0.0, ["第一条", "第二条"])])
def test_a_how_long_question_puts_the_article_stating_a_length_of_time_first(tmp_path, monkeypatch, bonus, order):
    """多久 matches no word: the answer type it asks for is its only trace (indexer/facts.py). The
    article naming the term more often but stating no time ranks first only without the prior."""
    folder = tmp_path / "laws" / "民法"
    folder.mkdir(parents=True)
    (folder / "中华人民共和国测试时效法(2020-05-28).md").write_text(TIMES, encoding="utf-8")
    build_index([copy_corpus(tmp_path / "corpus"), tmp_path / "laws"], tmp_path / "index")
    monkeypatch.setattr(ranking, "ANSWER_TYPE_BONUS", bonus)
    searcher = Searcher(tmp_path / "index")
    assert [a for _, a in articles(searcher.search("诉讼时效期间是多久？"))] == order
    assert articles(searcher.search("诉讼时效期间"))[0] == ("中华人民共和国测试时效法", "第一条")   # no question: as scored


def test_keywords_typed_apart_count_one_each_however_many_words_they_hold(laws):
    """個人所得稅 專項附加扣除 is two keywords, not a four-word question: every keyword wanted, the
    articles holding them all first. So is one run of whole words (生活垃圾分类标准); a run with
    one-character words (公司不给员工交社保) is a sentence in the reader's words."""
    gen = laws.generation()

    def analysed(*words):
        return ranking.query_terms(gen.compiler(), list(words), gen.question_words, gen.vocabulary)

    apart = analysed("劳动者", "解除劳动合同经济补偿")
    assert len({t.source for t in apart.terms}) >= 4
    assert (apart.keywords, ranking.is_short(apart)) == (2, True)
    run = analysed("劳动者解除劳动合同经济补偿")
    assert (run.keywords, ranking.is_short(run)) == (1, True)
    sentence = analysed("公司不给员工交社会保险")
    assert sentence.keywords > ranking.SHORT_QUERY_TERMS and not ranking.is_short(sentence)
    found = laws.search("劳动者 解除劳动合同经济补偿")
    assert articles(found)[0] == ("中华人民共和国测试劳动法", "第三条") and found["hits"][0]["exact"]


DISMISSAL = """# 中华人民共和国测试解除法

2020年5月28日 第十三届全国人民代表大会第三次会议通过

<!-- INFO END -->

第一条 劳动合同解除的条件由劳动合同约定，劳动合同另有约定的除外。

第二条 用人单位解除劳动合同的，应当支付经济补偿。
"""


@pytest.mark.parametrize("together, order, exact", [(True, ["第二条"], [True]),
                                                     (False, ["第一条", "第二条"], [True, True])])
def test_an_expansion_of_several_words_holds_where_they_stand_together(tmp_path, monkeypatch, together, order, exact):
    """辞退 → 解除劳动合同: the article saying 解除劳动合同 answers 辞退; one holding 解除 and 劳动合同
    apart (劳动合同解除的条件…劳动合同约定) does not hold the word (in a question it is weaker
    evidence: SCATTERED_WEIGHT)."""
    folder = tmp_path / "laws" / "社会法"
    folder.mkdir(parents=True)
    (folder / "中华人民共和国测试解除法(2020-05-28).md").write_text(DISMISSAL, encoding="utf-8")
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "lay_terms.txt").write_text(LAY, encoding="utf-8")
    build_index([corpus, tmp_path / "laws"], tmp_path / "index")
    monkeypatch.setattr(ranking, "EXPANSION_TOGETHER", together)
    found = Searcher(tmp_path / "index").search("辞退")
    assert [a for _, a in articles(found)] == order
    assert [h["exact"] for h in found["hits"]] == exact


CODE = """# 中华人民共和国测试民法典

2020年5月28日 第十三届全国人民代表大会第三次会议通过

<!-- INFO END -->

第一条 本法自2021年1月1日起施行。《中华人民共和国测试担保法》同时废止。
"""
OUTDATED = """# 最高人民法院关于适用《中华人民共和国测试担保法》若干问题的解释

2000年12月8日 最高人民法院审判委员会通过

<!-- INFO END -->

第一条 保证期间为六个月。
"""
CURRENT = """# 最高人民法院关于适用《中华人民共和国测试民法典》有关担保制度的解释

2020年12月25日 最高人民法院审判委员会通过

<!-- INFO END -->

第一条 保证期间为六个月，当事人另有约定的除外。
"""


@pytest.mark.parametrize("factor, first", [(ranking.REPLACED_FACTOR, "有关担保制度"), (1.0, "测试担保法")])
def test_an_interpretation_of_a_repealed_law_ranks_after_the_one_in_force(tmp_path, monkeypatch, factor, first):
    """The code repeals 测试担保法 (not in the collection): the interpretation applying it weighs
    REPLACED_FACTOR less, unless a query names it; it still answers, marked outdated."""
    folder = tmp_path / "laws"
    (folder / "民法典").mkdir(parents=True)
    (folder / "司法解释").mkdir(parents=True)
    (folder / "民法典" / "中华人民共和国测试民法典(2020-05-28).md").write_text(CODE, encoding="utf-8")
    (folder / "司法解释" / "测试担保法解释(2000-12-08).md").write_text(OUTDATED, encoding="utf-8")
    (folder / "司法解释" / "测试担保制度解释(2020-12-25).md").write_text(CURRENT, encoding="utf-8")
    build_index([copy_corpus(tmp_path / "corpus"), folder], tmp_path / "index")
    monkeypatch.setattr(ranking, "REPLACED_FACTOR", factor)
    found = Searcher(tmp_path / "index").search("保证期间")
    assert first in found["hits"][0]["doc_title"]
    outdated = next(h for h in found["hits"] if "测试担保法" in h["doc_title"])
    assert outdated["validity"]["status"] == "outdated"
