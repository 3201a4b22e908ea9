"""The engine's own query tree: values, boosts, Or's min_match, and its Whoosh equivalent."""
from __future__ import annotations

import pytest
from whoosh import query as wq

from indexer.engine import query as Q


def test_nodes_are_equal_by_type_and_values():
    assert Q.And([Q.Term("text", "专利"), Q.Phrase("text", ["专利", "质押"])]) == \
        Q.And((Q.Term("text", "专利"), Q.Phrase("text", ("专利", "质押"))))
    assert Q.Term("text", "专利") != Q.Term("doc_title", "专利")
    assert Q.And([Q.Term("text", "a")]) != Q.Or([Q.Term("text", "a")])
    assert len({Q.Term("text", "a"), Q.Term("text", "a", boost=1.0)}) == 1


def test_with_boost_replaces_the_boost_of_a_copy_as_whoosh_does():
    q = Q.Or([Q.Term("text", "a"), Q.Term("text", "b")], boost=2.0)
    boosted = q.with_boost(0.3)
    assert boosted.boost == 0.3 and q.boost == 2.0 and boosted.subqueries == q.subqueries
    assert wq.Or([wq.Term("text", "a")], boost=2.0).with_boost(0.3).boost == 0.3
    assert Q.NullQuery.with_boost(0.3) is Q.NullQuery


def test_whooshs_equivalent_of_each_node():
    q = Q.AndNot(Q.AndMaybe(Q.And([Q.Term("text", "a", boost=2.0), Q.Every()]), Q.Phrase("text", ["a", "b"], slop=2)),
                 Q.ConstantScoreQuery(Q.Or([Q.Term("doc_id", "x"), Q.NullQuery]), 0.5))
    w = Q.to_whoosh(q)
    assert isinstance(w, wq.AndNot) and isinstance(w.a, wq.AndMaybe)
    assert w.a.a.subqueries[0] == wq.Term("text", "a", boost=2.0) and w.a.b == wq.Phrase("text", ["a", "b"], slop=2)
    assert w.b.score == 0.5 and w.b.child.subqueries[1] is wq.NullQuery
    assert Q.to_whoosh(None) is None
    with pytest.raises(TypeError, match="not a query of the engine"):
        Q.to_whoosh(wq.Term("text", "a"))


def test_min_match_in_whoosh_is_the_union_of_the_k_child_intersections():
    parts = [Q.Term("text", w) for w in "abc"]
    w = Q.to_whoosh(Q.Or(parts, min_match=2))
    assert isinstance(w, wq.Or) and len(w.subqueries) == 3
    assert all(isinstance(s, wq.And) and len(s.subqueries) == 2 for s in w.subqueries)
    assert Q.to_whoosh(Q.Or(parts[:2], min_match=2)) == wq.And([wq.Term("text", "a"), wq.Term("text", "b")])
