"""Judged queries over the laws collection (benchmarks/laws_eval/laws_queries.tsv) against a built index.

The index is not built here: point POLICY_SEARCH_LAWS_INDEX at an index folder that holds the laws
collection (`policy-index build --corpus corpus --corpus ../shared/corpora/laws --index …`, about a
minute with --procs 2; `.ci/run` does this). Without it these tests skip and say why, and under
CI=true they fail and say why: a ranking gate that did not run must not pass.

nDCG@10 ≥ 0.8 is our own target (the issue asks for the figure, not a floor): a guard over article
references, traditional characters, filters, historical versions and ranking in general, loose
enough that the small ups and downs of tuning do not trip it. The engine does not reach it yet
(0.657 on 2026-11-25, 0.730 on 2026-12-02, 0.767 on 2026-12-04; benchmarks/laws_eval/README.md says why, query by
query), so that test is a
strict xfail: it starts failing (XPASS) the day the engine clears the floor, and
the marker must then go. Until then `test_ndcg_no_regression` guards today's level, and the
per-behaviour tests guard what already works.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.helpers import LAWS_INDEX_ENV, ROOT, require
SCORER = ROOT / "benchmarks" / "laws_eval" / "score_laws.py"
NDCG_FLOOR = 0.8          # our target
NDCG_MEASURED = 0.767     # measured 2026-12-04 (0.657 on 2026-11-25); the no-regression guard sits under it
NDCG_GUARD = 0.70
MIN_LAWS_DOCUMENTS = 3000   # of 3,423 files; a few are skipped as unreadable


def _scorer():
    spec = importlib.util.spec_from_file_location("score_laws", SCORER)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("score_laws", module)   # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return sys.modules["score_laws"]


@pytest.fixture(scope="module")
def laws_index() -> Path:
    value = os.environ.get(LAWS_INDEX_ENV)
    require(bool(value), f"{LAWS_INDEX_ENV} is not set: point it at an index built with the laws collection "
                         "(.ci/run builds one when ../shared/corpora/laws is there)")
    path = Path(value)
    require((path / "CURRENT").is_file(), f"{LAWS_INDEX_ENV}={value} holds no built index (no CURRENT pointer)")
    from search_app.searcher import Searcher
    manifest = Searcher(path).generation().manifest
    laws = sum(d.get("format") == "laws-md" for d in manifest["documents"].values())
    # judgements and the floors assume the whole collection
    require(laws >= MIN_LAWS_DOCUMENTS, f"the index at {value} holds {laws} laws documents, not the whole "
                                        f"collection (at least {MIN_LAWS_DOCUMENTS} of 3,423)")
    return path


@pytest.fixture(scope="module")
def outcomes(laws_index):
    scorer = _scorer()
    results = scorer.evaluate(laws_index)
    scorer.report(results, verbose=True)   # shown by pytest on failure, or with -s
    return scorer, results


def _by_query(results):
    return {o.judged.query: o for o in results}


def test_queries_file_is_well_formed():
    scorer = _scorer()
    judged = scorer.load(scorer.DEFAULT_QUERIES)
    assert len(judged) >= 24
    assert sum(j.expects_nothing for j in judged) >= 2
    for j in judged:
        assert j.expects_nothing or any(g == 2 for g in j.grades.values()), j.query


@pytest.mark.xfail(strict=True, reason=f"the engine scores {NDCG_MEASURED} on the laws queries (2026-12-04); "
                                       "see benchmarks/laws_eval/README.md for the mechanisms to fix")
def test_ndcg_floor(outcomes):
    scorer, results = outcomes
    s = scorer.summary(results)
    assert s["ndcg"] >= NDCG_FLOOR, f"mean nDCG@10 {s['ndcg']:.3f} is below the floor {NDCG_FLOOR}"


def test_ndcg_no_regression(outcomes):
    scorer, results = outcomes
    s = scorer.summary(results)
    assert s["failed"] == 0, [o.judged.query for o in results if o.error]
    assert s["ndcg"] >= NDCG_GUARD, f"mean nDCG@10 {s['ndcg']:.3f} fell below today's level ({NDCG_MEASURED})"


def test_no_answer_queries_return_nothing(outcomes):
    _, results = outcomes
    wrong = [o.judged.query for o in results if o.empty_ok is False]
    assert not wrong, f"queries judged to have no answer returned hits: {wrong}"


@pytest.mark.parametrize("query", ["中小企业促进法 第二十条", "公司法 第四十七条", "民法典 第一千二百五十四条"])
def test_article_reference_puts_the_article_first(outcomes, query):
    """公司法 第四十七条 also checks version masking: the 2018 公司法's 第四十七条 is another article."""
    _, results = outcomes
    o = _by_query(results)[query]
    assert o.top_ok, f"{query}: top {o.ranked[:3]}"
