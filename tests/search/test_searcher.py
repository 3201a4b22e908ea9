"""The Searcher: parse → compile → rank → highlight over the seed index, and the result contract
the CLI, the API and the pages share."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from indexer.build import build_index
from indexer.clauses import document_clauses
from indexer.readers import read_document
from search_app.query import QueryError
from search_app.searcher import IndexUnavailable, Searcher
from tests.conftest import CORPUS, SEED, copy_corpus

SEED_ID = SEED.removesuffix(".txt")
HIT_KEYS = {"clause_id", "doc_id", "doc_title", "measure_no", "measure_title", "departments", "text",
            "highlight", "score", "article", "chapter", "category", "version_date", "exact", "clauses",
            "date", "validity"}
EXTRA = ("科技金融测试清单\n\n序号\t改革举措\t主要内容\t责任部门\n"
         "1\t科技企业融资\t支持科技企业通过债券融资。开展量子通信网络建设试点。推广政府和社会资本合作模式。\t省科技厅\n")


def assert_facets(facets):
    """facets: {"departments": {name: count}} (the documented contract), each kind a map of names to counts."""
    assert "departments" in facets
    for counts in facets.values():
        assert all(isinstance(k, str) and k and type(v) is int and v > 0 for k, v in counts.items())


def all_hits(searcher, q, **kw):
    result = searcher.search(q, per_page=50, **kw)
    assert result["total"] <= 50, "query too broad for this check"
    return result["hits"]


@pytest.fixture(scope="module")
def seed_doc():
    return read_document(CORPUS / SEED, SEED_ID)


@pytest.fixture(scope="module")
def two_docs(tmp_path_factory):
    """A Searcher over the seed plus a second small list (doc id 'extra'), for document filters."""
    base = tmp_path_factory.mktemp("two")
    corpus = copy_corpus(base / "corpus")
    (corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    build_index([corpus], base / "index")
    return Searcher(base / "index")


# -- ranking ------------------------------------------------------------------------------------

def test_patent_pledge_finds_measure_3_first(searcher):
    """专利质押 is written 专利权质押 in the text: sub-words must bring measure 3 to the top."""
    result = searcher.search("专利质押")
    top = result["hits"][0]
    assert top["measure_no"] == 3
    assert "专利权质押" in top["text"]
    assert "<mark>" in top["highlight"]


def test_phrase_hits_contain_the_phrase(searcher):
    """A phrase matches adjacent words in the clause text (or its measure's title); text matches rank first."""
    hits = all_hits(searcher, '"协议工资制"')
    assert hits
    assert all("协议工资制" in h["text"] or "协议工资制" in h["measure_title"] for h in hits)
    in_text = ["协议工资制" in h["text"] for h in hits]
    assert in_text[0] and in_text == sorted(in_text, reverse=True)


def test_not_excludes_clauses_whose_text_holds_the_word(searcher):
    hits = all_hits(searcher, "年薪制 -协议工资制")
    assert any("年薪制" in h["text"] for h in hits)
    assert not any("协议工资制" in h["text"] for h in hits)
    assert not any("协议工资制" in c["text"] for h in hits for c in h["clauses"])


@pytest.fixture(scope="module")
def excluding(tmp_path_factory):
    """The seed plus a list whose measures name 年薪制 only beside 协议工资制."""
    base = tmp_path_factory.mktemp("excluding")
    corpus = copy_corpus(base / "corpus")
    (corpus / "pay.txt").write_text(
        "薪酬测试清单\n\n序号\t改革举措\t主要内容\t责任部门\n"
        "1\t薪酬制度\t实行年薪制和协议工资制。\t省人社厅\n"
        "2\t薪酬办法\t实行年薪制和协议工资制。推广股权激励。\t省人社厅\n", encoding="utf-8")
    build_index([corpus], base / "index")
    return Searcher(base / "index")


def test_a_measure_whose_every_match_holds_the_excluded_word_is_no_hit(excluding):
    """A measure holds every word of 年薪制 -协议工资制 somewhere, but no clause of it has 年薪制
    without 协议工资制: it is not a hit (and the query is no error)."""
    hits = all_hits(excluding, "年薪制 -协议工资制")
    assert hits and all(h["doc_id"] != "pay" for h in hits)
    assert any(h["doc_id"] == "pay" for h in all_hits(excluding, "年薪制"))


@pytest.fixture(scope="module")
def filed_twice(tmp_path_factory):
    """The seed list filed under two folders, byte for byte the same file."""
    base = tmp_path_factory.mktemp("twice")
    corpus = copy_corpus(base / "corpus")
    (corpus / "again").mkdir()
    (corpus / "again" / SEED).write_bytes((corpus / SEED).read_bytes())
    build_index([corpus], base / "index")
    return Searcher(base / "index")


def test_a_document_filed_twice_answers_once(filed_twice):
    hits = all_hits(filed_twice, "专利质押")
    assert hits
    shown = [(h["doc_title"], h["measure_no"]) for h in hits]
    assert len(shown) == len(set(shown))
    assert {h["doc_id"] for h in hits} == {f"again/{SEED_ID}"}   # the first in doc id order


def test_a_filter_reaches_either_copy_of_a_document_filed_twice(filed_twice):
    assert {h["doc_id"] for h in all_hits(filed_twice, "专利质押", doc=SEED_ID)} == {SEED_ID}


def test_not_keyword_excludes_too(searcher):
    assert all_hits(searcher, "年薪制 NOT 协议工资制") == all_hits(searcher, "年薪制 -协议工资制")


def test_or_finds_either_word(searcher):
    hits = all_hits(searcher, "容错机制 OR 永久居留")
    assert {5, 10} <= {h["measure_no"] for h in hits}


# -- filters ------------------------------------------------------------------------------------

def test_department_filter_by_words(searcher, seed_doc):
    """部门:知识产权局 (no 省) returns exactly the measures whose departments include 省知识产权局, one hit each."""
    expected = {m.no for m in seed_doc.measures if "省知识产权局" in m.departments}
    hits = all_hits(searcher, "部门:知识产权局")
    assert sorted(h["measure_no"] for h in hits) == sorted(expected)
    assert all("省知识产权局" in h["departments"] for h in all_hits(searcher, "融资 部门:知识产权局"))


def test_dept_parameter_takes_an_exact_facet_value(searcher):
    """Every department facet, fed back as dept=, gives exactly the count the facet promised."""
    facets = searcher.search("融资")["facets"]["departments"]
    assert len(facets) > 2
    for name, count in facets.items():
        result = searcher.search("融资", dept=name, per_page=50)
        assert result["total"] == count
        assert all(name in h["departments"] for h in result["hits"])


def test_unknown_department_finds_nothing(searcher):
    assert searcher.search("融资", dept="省外星事务局")["total"] == 0


def test_document_filter_by_id_and_by_title_words(two_docs):
    for q, kw, doc in [("融资", {"doc": SEED_ID}, SEED_ID), ("融资", {"doc": "extra"}, "extra"),
                       (f"融资 doc:{SEED_ID}", {}, SEED_ID), ("融资 文件:科技金融测试", {}, "extra")]:
        hits = all_hits(two_docs, q, **kw)
        assert hits and {h["doc_id"] for h in hits} == {doc}, q
    both = {h["doc_id"] for h in all_hits(two_docs, "债券")}
    assert both == {SEED_ID, "extra"}


# -- synonyms, normalisation --------------------------------------------------------------------------

def test_synonym_reaches_the_abbreviated_department(searcher):
    """人民银行 is written 人行 (人行太原中心支行) in the seed: the synonym group bridges them."""
    hits = all_hits(searcher, "人民银行")
    assert {h["measure_no"] for h in hits} == {1, 2, 3}
    assert all("人行太原中心支行" in h["departments"] for h in hits)
    assert not any("人民银行" in h["text"] for h in hits)


def test_synonym_finds_the_abbreviation_in_text(searcher):
    assert [h for h in all_hits(searcher, "双创") if "双创" in h["text"]]
    result = searcher.search("大众创业万众创新", per_page=50)
    with_abbreviation = [i for i, h in enumerate(result["hits"]) if "双创" in h["text"]]
    assert with_abbreviation and with_abbreviation == list(range(len(with_abbreviation))), "exact matches first"
    # anything after them is a partial match, and flagged so
    assert len(with_abbreviation) == len(result["hits"]) or result["relaxed"]


@pytest.mark.parametrize("q", ["PPP", "ppp", "ＰＰＰ"])
def test_synonyms_apply_to_normalised_query_words(two_docs, q):
    """synonyms.txt says PPP = 政府和社会资本合作; the query word is normalised (ppp), so must the group be."""
    hits = all_hits(two_docs, q)
    assert hits and all("政府和社会资本合作" in h["text"] for h in hits)


def test_traditional_input_finds_simplified_text(searcher):
    hits = all_hits(searcher, "國稅地稅")
    assert hits and hits[0]["measure_no"] == 8
    assert {h["measure_no"] for h in hits} == {8}
    assert "<mark>国" in hits[0]["highlight"]


# -- relaxation -------------------------------------------------------------------------------------

def test_question_relaxes_to_partial_matches(searcher):
    """A question rarely has every word in one clause: the best partial matches come, flagged relaxed."""
    result = searcher.search("小微企业怎么用应收账款融资")
    assert result["relaxed"] is True
    assert result["hits"] and "应收账款" in result["hits"][0]["text"]


@pytest.mark.parametrize("q", ["房地产", "区块链", "房地产 区块链"])
def test_words_found_nowhere_return_nothing(searcher, q):
    """Relaxation never invents an answer: no hits, not relaxed, no facets."""
    result = searcher.search(q)
    assert (result["total"], result["hits"], result["relaxed"]) == (0, [], False)
    assert result["facets"]["departments"] == {}
    assert not any(result["facets"].values())


@pytest.mark.parametrize("q", ["的", "的 和", "，", "!!!", "-"])
def test_query_without_searchable_words_does_not_list_everything(searcher, q):
    """Stop words and punctuation alone match nothing: a reason (QueryError) or no hits, never the whole index."""
    try:
        result = searcher.search(q)
    except QueryError:
        return
    assert result["total"] == 0


def test_relaxed_hits_still_obey_exclusions_and_filters(searcher):
    excluded = all_hits(searcher, "小微企业怎么用应收账款融资 -平台")
    assert excluded and not any("平台" in h["text"] for h in excluded)
    filtered = searcher.search("小微企业怎么用应收账款融资 部门:山西银监局", per_page=50)
    assert filtered["hits"] and all("山西银监局" in h["departments"] for h in filtered["hits"])


@pytest.mark.parametrize("q", ["晋金发〔2017〕63号", "晋金发[2017]63号", "晋金发［2017］63号"])
def test_document_number_in_any_bracket_style_finds_the_citation(searcher, q):
    """The seed cites 晋金发[2017]63号; any bracket spelling finds it, and the citation is marked as written."""
    hits = searcher.search(q)["hits"]
    assert hits and hits[0]["measure_no"] == 2
    assert "<mark>晋金发[2017]63号</mark>" in hits[0]["highlight"]


def test_enough_exact_matches_are_not_relaxed(searcher):
    result = searcher.search("企业", per_page=50)
    assert result["relaxed"] is False and result["total"] >= 5
    assert all(h["exact"] for h in result["hits"])


# -- facets, pagination, contract -------------------------------------------------------------------

@pytest.mark.parametrize("q", ["人民银行", "专利质押", "小微企业怎么用应收账款融资"])
def test_facets_count_the_departments_of_the_result_set(searcher, q):
    result = searcher.search(q, per_page=50)
    assert len(result["hits"]) == result["total"]
    counted = Counter(d for h in result["hits"] for d in h["departments"])
    facets = result["facets"]["departments"]
    assert facets == dict(counted)
    assert list(facets.values()) == sorted(facets.values(), reverse=True)


def test_pages_continue_without_overlap(searcher):
    one = searcher.search("企业", page=1, per_page=3)
    two = searcher.search("企业", page=2, per_page=3)
    six = searcher.search("企业", page=1, per_page=6)
    ids = [h["clause_id"] for h in one["hits"] + two["hits"]]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert ids == [h["clause_id"] for h in six["hits"]]
    assert one["total"] == two["total"] == six["total"] > 6
    assert (two["page"], two["per_page"]) == (2, 3)


def test_page_past_the_end_is_empty(searcher):
    result = searcher.search("融资", page=100, per_page=10)
    assert result["hits"] == [] and result["total"] > 0


@pytest.mark.parametrize("kw", [{"page": 0}, {"per_page": 0}, {"per_page": 51}, {"page": "x"}])
def test_out_of_range_paging_is_a_query_error(searcher, kw):
    with pytest.raises(QueryError):
        searcher.search("融资", **kw)


def test_result_and_hit_fields_are_the_json_contract(searcher):
    result = searcher.search("专利质押")
    assert set(result) == {"query", "total", "page", "per_page", "relaxed", "expanded", "hits", "facets",
                           "sort", "group", "did_you_mean"}
    assert_facets(result["facets"])
    assert result["query"] == "专利质押"
    for hit in result["hits"]:
        assert set(hit) == HIT_KEYS
        assert type(hit["measure_no"]) is int and isinstance(hit["score"], float)
        assert isinstance(hit["departments"], list) and all(isinstance(d, str) for d in hit["departments"])
        assert hit["clause_id"] == f"{hit['doc_id']}:{hit['measure_no']}:" + hit["clause_id"].split(":", 2)[2]
        assert hit["doc_title"] == "山西省支持创新相关改革措施推广清单"
        assert re.sub(r"</?mark>", "", hit["highlight"]) == hit["text"]
        assert (hit["article"], hit["chapter"], hit["category"], hit["version_date"]) == (None, None, None, None)


def test_bad_query_raises_query_error(searcher):
    with pytest.raises(QueryError, match="unbalanced quote"):
        searcher.search('"协议工资制')


# -- suggestions, documents, health ------------------------------------------------------------------

def test_suggest_completes_a_prefix(searcher):
    """At most 8 completions (titles, then index words), each starting with or containing the prefix."""
    suggestions = searcher.suggest("专利")
    assert 0 < len(suggestions) <= 8
    assert all(isinstance(s, str) and "专利" in s for s in suggestions)
    assert "专利快速审查、确权、维权一站式服务" in suggestions   # measure 4's title
    assert len(set(suggestions)) == len(suggestions)
    assert searcher.suggest("专利", limit=3) == suggestions[:3]


def test_suggest_normalises_the_prefix(searcher):
    assert searcher.suggest("專利") == searcher.suggest("专利")


def test_suggest_of_nothing_is_empty(searcher):
    assert searcher.suggest("") == [] and searcher.suggest("   ") == []


def test_document_returns_every_measure_and_clause(searcher, seed_doc):
    doc = searcher.document(SEED_ID)
    assert doc["title"] == seed_doc.title
    assert [m["no"] for m in doc["measures"]] == list(range(1, 14))
    clause_ids = [c["clause_id"] for m in doc["measures"] for para in m["paragraphs"] for c in para]
    assert clause_ids == [c.clause_id for c in document_clauses(seed_doc)]
    for measure, source in zip(doc["measures"], seed_doc.measures):
        assert (measure["title"], measure["departments"]) == (source.title, source.departments)
        assert ["".join(c["text"] for c in para) for para in measure["paragraphs"]] == source.paragraphs


def test_unknown_document_is_none(searcher):
    assert searcher.document("no-such-document") is None


def test_health_of_a_live_index(searcher, seed_doc):
    health = searcher.health()
    assert health["ok"] is True and health["error"] is None
    assert health["documents"] == 1
    assert health["clauses"] == len(document_clauses(seed_doc))


def test_empty_folder_is_unavailable_with_a_hint(tmp_path):
    """No index yet: a clear error naming the command that builds one, and an unhealthy health()."""
    searcher = Searcher(tmp_path)
    with pytest.raises(IndexUnavailable, match=r"policy-index build"):
        searcher.search("专利")
    health = searcher.health()
    assert health["ok"] is False and "policy-index build" in health["hint"] and health["error"]


def test_damaged_index_is_unavailable_not_a_crash(tmp_path):
    (tmp_path / "CURRENT").write_text("gen-missing\n", encoding="utf-8")
    searcher = Searcher(tmp_path)
    with pytest.raises(IndexUnavailable, match="rebuild"):
        searcher.search("专利")
    assert searcher.health()["ok"] is False


FRESH_PROCESS_WORDS = """
import sys
from indexer.engine import index
analyzer = index.open_dir(sys.argv[1]).schema["text"].analyzer
tokenizer = analyzer[0]
print(" ".join(t.text for t in analyzer(sys.argv[2], mode="query")), "|", " ".join(tokenizer.pieces(sys.argv[2])))
"""


def test_a_searcher_following_a_rebuild_that_dropped_a_user_word_segments_as_a_fresh_process(tmp_path, corpus_dir):
    """Each index generation segments with its own jieba dictionary: after a rebuild whose
    userdict.txt no longer holds a word, the live searcher splits it exactly as a process that
    never saw the old dictionary, while the old generation (still open) keeps it whole."""
    import subprocess
    import sys

    from tests.conftest import ROOT
    word = "犀角灯照明工程"
    userdict = corpus_dir / "userdict.txt"
    original = userdict.read_text(encoding="utf-8")
    userdict.write_text(original + f"\n{word} 90000\n", encoding="utf-8")
    index = tmp_path / "index"
    build_index([corpus_dir], index)
    searcher = Searcher(index)
    old = searcher.generation()

    def words(gen):
        return " ".join(t.text for t in gen.analyzer(word, mode="query")), " ".join(gen.analyzer[0].pieces(word))

    assert words(old) == (word + " " + " ".join(w for w, _ in old.analyzer[1].subwords(word, old.analyzer[0].dictionary())),
                          word)
    userdict.write_text(original, encoding="utf-8")
    build_index([corpus_dir], index)
    new = searcher.generation()
    assert new is not old
    fresh = subprocess.run([sys.executable, "-c", FRESH_PROCESS_WORDS, str(new.path), word], capture_output=True,
                           text=True, cwd=ROOT, timeout=60)
    assert fresh.returncode == 0, fresh.stderr
    live_words, live_pieces = words(new)
    assert f"{live_words} | {live_pieces}" == fresh.stdout.strip()
    assert word not in live_words.split() and len(live_pieces.split()) > 1
    assert words(old)[1] == word                       # the old generation's own dictionary is untouched
    assert word not in new.analyzer[0].dictionary() and word in old.analyzer[0].dictionary()


def test_rebuild_is_picked_up_by_a_live_searcher(tmp_path, corpus_dir):
    """No restart: the next search follows CURRENT to the new generation."""
    build_index([corpus_dir], tmp_path / "index")
    searcher = Searcher(tmp_path / "index")
    assert searcher.search("量子通信")["total"] == 0
    first = searcher.health()["generation"]
    (corpus_dir / "extra.txt").write_text(EXTRA, encoding="utf-8")
    build_index([corpus_dir], tmp_path / "index")
    assert searcher.search("量子通信")["hits"][0]["doc_id"] == "extra"
    assert searcher.health()["generation"] != first and searcher.health()["documents"] == 2


def test_repeated_queries_are_answered_alike_and_callers_cannot_spoil_the_cache(searcher):
    first = searcher.search("专利质押")
    first["hits"].clear()
    again = searcher.search("专利质押")
    assert again["hits"] and again["total"] == first["total"]
    assert again == searcher.search("专利质押")


def test_function_words_beside_a_filter_leave_the_filter_standing(searcher):
    """部门:知识产权局 的 — the function word adds nothing, the filter still answers (not a 400)."""
    result = searcher.search("部门:知识产权局 的")
    assert result["total"] > 0
    assert all(any("知识产权局" in d for d in h["departments"]) for h in result["hits"])


# -- issue 12: caches bounded by bytes ------------------------------------------------------------

def test_filter_cache_keeps_each_filter_once_and_is_bounded_by_bytes(searcher, monkeypatch):
    """Combinations of filters do not each keep their own clause set: the cache holds one entry a
    filter, intersected per query, and its size is the bytes of those arrays."""
    import search_app.searcher as module
    searcher.search("专利", dept="省知识产权局")                     # a fresh generation's cache
    gen = searcher.generation()
    gen._filters.items.clear(), setattr(gen._filters, "size", 0)
    depts = ["省知识产权局", "省科技厅", "省财政厅", "人行太原中心支行", "省发展改革委"]
    for a in depts:
        for b in depts:
            searcher.search(f"企业 部门:{a} 部门:{b}")
    cached = gen._filters.items
    assert len(cached) <= 2 * len(depts)         # (a name not in the index is a words query too); not 25
    assert gen._filters.size == sum(module.evaluate.ENTRY_BYTES + ids.nbytes for ids in cached.values())


def test_result_cache_counts_bytes(searcher):
    gen = searcher.generation()
    searcher.search("专利质押", per_page=50)
    assert gen.results.size > 1000 * len(gen.results.items)          # bytes, not one per result


# -- issue 12: a replaced generation is released promptly -------------------------------------------

def _open_paths(folder) -> list[str]:
    """Files below `folder` this process holds open or mapped."""
    import os
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            held.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    with open("/proc/self/maps") as maps:
        held += [line.split()[-1] for line in maps if "/" in line]
    return [p for p in held if p.startswith(str(folder))]


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_a_replaced_generation_is_released_when_its_last_request_ends(tmp_path):
    corpus, index = copy_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_index([corpus], index)
    s = Searcher(index)
    assert s.search("专利质押")["hits"]
    old = s.generation()
    assert _open_paths(old.path)                       # its segment is open while it is live
    build_index([corpus], index)                       # a rebuild switches CURRENT
    assert s.search("专利质押")["hits"]                  # the next request opens the new one …
    assert s.generation() is not old
    assert old.released and not old._opened            # … and the old one is closed at once
    assert not _open_paths(old.path), _open_paths(old.path)
    assert not old.results.items and not old.postings._terms.items and "_facets" not in old.__dict__


def test_a_request_in_flight_finishes_on_its_generation(tmp_path):
    """A generation replaced while a request runs on it is released when that request ends."""
    corpus, index = copy_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_index([corpus], index)
    s = Searcher(index)
    old = s.generation()
    assert old.enter()                                  # a request in flight on it
    build_index([corpus], index)
    assert s.search("专利质押")["hits"] and s.generation() is not old
    assert not old.released
    old.leave()
    assert old.released


def test_warming_loads_what_a_first_query_would_otherwise_pay_for(two_docs):
    """serve warms a searcher before its first request: the per-generation tables are then built,
    the did-you-mean word list among them (about a second on the law collection)."""
    two_docs.warm()
    gen = two_docs.generation()
    for built in ("_facets", "_units", "_ranker", "_historical_or_duplicate", "_doc_valued", "_frequent"):
        assert built in gen.__dict__, built
