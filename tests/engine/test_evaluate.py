"""The array evaluator must give exactly Whoosh's answer: the same clauses, the same BM25F scores,
the same order; it only gets there without stepping Whoosh's matchers clause by clause."""
from __future__ import annotations

import numpy as np
import pytest

from indexer.build import build_index, update_index
from indexer.engine import evaluate
from indexer.engine import query as Q
from search_app.query import parse
from search_app.generation import Facet
from search_app.searcher import Searcher
from tests.conftest import CORPUS, SHARED, copy_corpus

SHAPES = ["专利质押", "应收账款融资", "科技型企业融资", "\"协议工资制\"", "人民银行 OR 证监会", "融资 -质押",
          "部门:省科技厅 科技", "小微企业怎么用应收账款融资", "促进科技成果转化法 第三十二条", "國稅地稅",
          "科技成果 转化 收益", "\"科技 成果\"", "年薪制 NOT 协议", "高层次人才 永久居留 绿色通道"]


def judged_queries():
    path = SHARED / "eval" / "dev_queries.tsv"
    found = [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")] if path.exists() else []
    return SHAPES + [q for q in found if q not in SHAPES]


@pytest.fixture(scope="module")
def corpus_searcher(tmp_path_factory):
    """The seed list and the law in corpus/, as `make eval` indexes them."""
    base = tmp_path_factory.mktemp("both")
    corpus = copy_corpus(base / "corpus", files=[p.name for p in CORPUS.glob("*.txt")
                                                 if p.name not in ("userdict.txt", "synonyms.txt")])
    build_index([corpus], base / "index")
    return Searcher(base / "index", cache=False)


@pytest.fixture(scope="module")
def updated_searcher(tmp_path_factory):
    """An index after an update: a second segment, and the replaced clauses deleted, not gone."""
    base = tmp_path_factory.mktemp("updated")
    corpus = copy_corpus(base / "corpus")
    build_index([corpus], base / "index")
    seed = next(corpus.glob("shanxi*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8").replace("专利权质押融资", "知识产权质押融资"), encoding="utf-8")
    update_index([corpus], base / "index")
    return Searcher(base / "index", cache=False)


def compiled_forms(gen, text):
    compiler = gen.compiler()
    parsed = parse(text)
    compiled = compiler.compile(parsed)
    yield compiled
    if compiled.relaxable:
        yield from compiler.relaxations(parsed, compiled)


def assert_same_as_whoosh(gen, c):
    s, ev = gen.searcher(), gen.evaluator()
    whoosh = s.search(Q.to_whoosh(c.query), limit=None, filter=Q.to_whoosh(c.restrict))
    ids, scores = ev.evaluate(c.query)
    if c.restrict is not None:
        ids, scores = evaluate.restrict((ids, scores), ev.ids(c.restrict))
    expected = {hit.docnum: hit.score for hit in whoosh}
    assert ids.tolist() == sorted(expected), c.query
    assert np.allclose(scores, [expected[d] for d in ids.tolist()], rtol=1e-9, atol=1e-9), c.query
    assert [d for d, _ in evaluate.top(ids, scores, 30)] == [hit.docnum for hit in whoosh[:30]], c.query


@pytest.mark.parametrize("text", judged_queries())
def test_every_query_form_matches_whoosh_exactly(corpus_searcher, text):
    """Judged queries, their relaxations and every query shape the compiler emits."""
    gen = corpus_searcher.generation()
    for c in compiled_forms(gen, text):
        assert_same_as_whoosh(gen, c)


@pytest.mark.parametrize("text", ["专利质押", "知识产权质押", "融资", "科技 -融资"])
def test_deleted_clauses_and_second_segments_count_as_whoosh_counts_them(updated_searcher, text):
    gen = updated_searcher.generation()
    reader = gen.searcher().reader()
    assert reader.has_deletions() and len(list(reader.leaf_readers())) > 1, "the fixture must delete and add"
    for c in compiled_forms(gen, text):
        assert_same_as_whoosh(gen, c)


def test_filters_alone_list_every_allowed_clause_in_document_order(corpus_searcher):
    gen = corpus_searcher.generation()
    ids, scores = gen.evaluator().evaluate(Q.Every())
    assert ids.tolist() == sorted(gen.searcher().reader().all_doc_ids())
    assert set(scores.tolist()) == {1.0}


def test_top_breaks_ties_by_document_number_and_keeps_tied_edges_deterministic():
    ids = np.array([3, 5, 8, 9, 12], dtype=np.int32)
    scores = np.array([1.0, 2.0, 2.0, 0.5, 2.0])
    assert evaluate.top(ids, scores, 2) == [(5, 2.0), (8, 2.0)]
    assert evaluate.top(ids, scores, 10) == [(5, 2.0), (8, 2.0), (12, 2.0), (3, 1.0), (9, 0.5)]
    assert evaluate.top(ids[:0], scores[:0], 5) == []


def test_proximity_bonus_is_checked_only_among_the_best_candidates(corpus_searcher):
    """A bonus phrase over thousands of matches would cost Python steps per clause: it is checked
    in the best `proximity_candidates` matches whose text holds every word; uncapped it is Whoosh's."""
    gen = corpus_searcher.generation()
    base = Q.Or([Q.Term("text", "成果"), Q.Term("text", "转化")])
    boosted = Q.AndMaybe(base, Q.Phrase("text", ["成果", "转化"], slop=2))
    assert_same_as_whoosh(gen, type("C", (), {"query": boosted, "restrict": None})())
    plain_ids, plain = gen.evaluator().evaluate(base)
    full = gen.evaluator().evaluate(boosted)[1]
    assert (full != plain).sum() > 20
    holding = gen.evaluator().ids(Q.And([Q.Term("text", "成果"), Q.Term("text", "转化")]))
    inside = np.isin(plain_ids, holding)
    for cap in (3, 10):
        capped = evaluate.Evaluator(gen.postings, gen.searcher(), proximity_candidates=cap).evaluate(boosted)[1]
        best = {d for d, _ in evaluate.top(plain_ids[inside], plain[inside], cap)}
        raised = set(plain_ids[capped != plain].tolist())
        assert raised and raised <= best
        assert raised == best & set(plain_ids[full != plain].tolist())


def test_an_excluded_word_excludes_the_first_match_too(searcher):
    """Whoosh 2.7's AndNot kept the first match when the excluded word's postings began earlier."""
    gen = searcher.generation()
    hits = searcher.search("年薪制 -协议", per_page=50)["hits"]
    assert hits and all("协议" not in h["text"] for h in hits)
    whoosh = gen.searcher().search(Q.to_whoosh(gen.compiler().compile(parse("年薪制 -协议")).query), limit=None)
    assert all("协议" not in hit["text"] for hit in whoosh)


def test_facet_counts_values_of_the_matched_clauses_only():
    docs = [np.array([0, 2]), np.array([1, 2, 3])]
    values = [np.zeros(2, np.int32), np.ones(3, np.int32)]
    facet = Facet(["乙厅", "甲厅"], docs, values, doccount=5)
    assert facet.count(np.array([2, 3, 4])) == {"甲厅": 2, "乙厅": 1}
    assert facet.count(np.array([0, 1])) == {"乙厅": 1, "甲厅": 1}   # ties by name
    assert facet.count(np.array([1, 2, 3]), limit=1) == {"甲厅": 3}
    assert facet.count(np.array([4])) == {}
    assert facet.count(np.array([], dtype=np.int32)) == {}


def test_postings_cache_stays_within_its_bound(corpus_searcher):
    gen = corpus_searcher.generation()
    bound = 50 * 12 + evaluate.ENTRY_BYTES          # bytes: 50 postings of ids (4) and scores (8)
    postings = evaluate.Postings(max_bytes=bound)
    ev = evaluate.Evaluator(postings, gen.searcher())
    for word in ("科技", "成果", "转化", "企业", "融资"):
        ev.evaluate(Q.Term("text", word))
    assert postings._terms.size <= bound or len(postings._terms.items) == 1
    assert len(postings._terms.items) < 5
    assert postings._terms.size == sum(evaluate.array_bytes(v) for v in postings._terms.items.values())


def test_unknown_words_cost_the_postings_cache_a_bounded_count(corpus_searcher):
    """Lookups of words in no clause are cached (empty) but counted: a stream of made-up words
    never grows the cache past its count bound, nor past its bytes."""
    gen = corpus_searcher.generation()
    postings = evaluate.Postings(max_terms=100)
    ev = evaluate.Evaluator(postings, gen.searcher())
    for i in range(500):
        ev.evaluate(Q.Term("text", f"不存在的词{i}"))
    assert len(postings._terms.items) == 100
    assert postings._terms.size == 100 * evaluate.ENTRY_BYTES


def phrases_from(gen, count=150, seed=7):
    """Word runs taken from clause texts (so most match), with their words shuffled in some (so
    some do not), at slops 1 to 4."""
    import random
    rng = random.Random(seed)
    s = gen.searcher()
    docnums = sorted(s.reader().all_doc_ids())
    out = []
    while len(out) < count:
        text = s.stored_fields(rng.choice(docnums))["text"]
        words = [t.text for t in gen.analyzer(text, mode="phrase") if not t.subword]
        if len(words) < 2:
            continue
        n = rng.choice([2, 2, 3, 4])
        start = rng.randrange(max(1, len(words) - n))
        run = words[start:start + n]
        if rng.random() < 0.3:
            rng.shuffle(run)
        out.append(Q.Phrase(rng.choice(["text", "text", "measure_title"]), run, slop=rng.choice([1, 1, 2, 4]),
                            boost=rng.choice([1.0, 0.6])))
    return out


@pytest.mark.parametrize("fixture", ["corpus_searcher", "updated_searcher"])
def test_phrases_found_from_position_arrays_are_whooshs(fixture, request):
    gen = request.getfixturevalue(fixture).generation()
    matched = 0
    for phrase in phrases_from(gen):
        assert_same_as_whoosh(gen, type("C", (), {"query": phrase, "restrict": None})())
        matched += bool(len(gen.evaluator().ids(phrase)))
    assert matched > 50, "the sample must exercise matching phrases, not only misses"


def test_a_column_missing_from_one_segment_reads_as_zeros_there_not_shifted(tmp_path):
    """An update whose documents state no length of time writes a segment without the facts
    column; the other segments' values stay at their own document numbers."""
    corpus = copy_corpus(tmp_path / "corpus")
    build_index([corpus], tmp_path / "index")
    (corpus / "extra.txt").write_text("测试清单\n\n序号\t改革举措\t主要内容\t责任部门\n"
                                      "1\t量子通信试点\t开展量子通信网络建设试点。\t省科技厅\n", encoding="utf-8")
    update_index([corpus], tmp_path / "index")
    reader = Searcher(tmp_path / "index", cache=False).generation().searcher().reader()
    leaves = list(reader.leaf_readers())
    assert [leaf.has_column("facts") for leaf, _ in leaves] == [True, False], "the fixture: one segment without"
    values = evaluate.column_values(reader, "facts", np.uint8)
    assert len(values) == reader.doc_count_all() and values.any()
    for leaf, offset in leaves:
        n = leaf.doc_count_all()
        expected = list(leaf.column_reader("facts")) if leaf.has_column("facts") else [0] * n
        assert values[offset:offset + n].tolist() == expected


@pytest.mark.parametrize("need", [1, 2, 3, 4])
def test_or_with_a_min_match_holds_the_clauses_matching_that_many_children(corpus_searcher, need):
    """What Whoosh's Or does not honour (its minmatch), evaluated directly; Whoosh's equivalent
    (the union of the k-word intersections) matches the same clauses."""
    gen = corpus_searcher.generation()
    parts = [Q.Term("text", w) for w in ("科技", "金融", "企业", "创新")]
    ids = gen.evaluator().ids(Q.Or(parts, min_match=need))
    each = [set(gen.evaluator().ids(p).tolist()) for p in parts]
    assert ids.tolist() == sorted(d for d in set().union(*each) if sum(d in e for e in each) >= need)
    assert set(ids.tolist()) == {h.docnum for h in gen.searcher().search(Q.to_whoosh(Q.Or(parts, min_match=need)),
                                                                          limit=None)}
    assert len(ids) > 0
