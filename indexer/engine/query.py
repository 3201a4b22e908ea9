"""The query tree search_app builds (compile.py) and the engine answers (evaluate.py).

Our own small classes, so that nothing outside the engine depends on Whoosh's query objects: the
evaluator works on arrays, not on Whoosh's matchers, and what Whoosh lacks is said directly
(`Or(min_match=k)`, which Whoosh's Or accepts but does not honour). `to_whoosh` gives Whoosh's
equivalent, for the oracle tests that check the evaluator against Whoosh's own search and for the
one Whoosh search left (a document's clauses in reading order).

Scores follow Whoosh's, since the oracle compares them: a compound's score is the sum of its
matching children's × its boost, and a compound of one child is that child (its boost ignored).
"""
from __future__ import annotations

import itertools

from whoosh import query as wq


class Query:
    """A node of the tree; nodes are equal when their type and values are."""
    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other):
        return type(self) is type(other) and self._values() == other._values()

    def __hash__(self):
        return hash((type(self).__name__, self._values()))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(map(repr, self._values()))})"

    def with_boost(self, boost: float) -> Query:
        """A copy with this boost (as Whoosh's with_boost: replaced, not multiplied); a node
        without a boost of its own is returned as it is."""
        if "boost" not in self.__slots__:
            return self
        found = object.__new__(type(self))
        for name in self.__slots__:
            setattr(found, name, boost if name == "boost" else getattr(self, name))
        return found


class Term(Query):
    __slots__ = ("fieldname", "text", "boost")

    def __init__(self, fieldname: str, text, boost: float = 1.0):   # text: str, or bool for a BOOLEAN field
        self.fieldname, self.text, self.boost = fieldname, text, boost


class Phrase(Query):
    """Every word, each 1..slop positions after the one before."""
    __slots__ = ("fieldname", "words", "slop", "boost")

    def __init__(self, fieldname: str, words, slop: int = 1, boost: float = 1.0):
        self.fieldname, self.words, self.slop, self.boost = fieldname, tuple(words), slop, boost


class And(Query):
    """Every child."""
    __slots__ = ("subqueries", "boost")

    def __init__(self, subqueries, boost: float = 1.0):
        self.subqueries, self.boost = tuple(subqueries), boost


class Or(Query):
    """At least min_match of the children (0 or 1: any)."""
    __slots__ = ("subqueries", "boost", "min_match")

    def __init__(self, subqueries, boost: float = 1.0, min_match: int = 0):
        self.subqueries, self.boost, self.min_match = tuple(subqueries), boost, min_match


class AndNot(Query):
    """a's matches that b does not match, scored as a."""
    __slots__ = ("a", "b")

    def __init__(self, a: Query, b: Query):
        self.a, self.b = a, b


class AndMaybe(Query):
    """a's matches, b's score added where b matches too."""
    __slots__ = ("a", "b")

    def __init__(self, a: Query, b: Query):
        self.a, self.b = a, b


class ConstantScoreQuery(Query):
    __slots__ = ("child", "score")

    def __init__(self, child: Query, score: float = 1.0):
        self.child, self.score = child, score


class Every(Query):
    """Every live clause."""
    __slots__ = ("boost",)

    def __init__(self, boost: float = 1.0):
        self.boost = boost


class _Null(Query):
    """Matches nothing: the one instance `NullQuery`, tested with `is`."""


NullQuery = _Null()

__all__ = ["And", "AndMaybe", "AndNot", "ConstantScoreQuery", "Every", "NullQuery", "Or", "Phrase", "Query", "Term",
           "to_whoosh"]


class _WhooshOr(wq.Or):
    """Whoosh's Or matched as a tree of unions: its default preloads an array the size of the
    segment for every Or on small segments (tens of milliseconds a query)."""
    matcher_type = wq.Or.DEFAULT_MATCHER


def to_whoosh(q: Query | None):
    """Whoosh's query for q (None stays None). An Or's min_match becomes the union of its k-child
    intersections, which Whoosh matches as min_match means."""
    if q is None:
        return None
    if isinstance(q, Term):
        return wq.Term(q.fieldname, q.text, boost=q.boost)
    if isinstance(q, Phrase):
        return wq.Phrase(q.fieldname, list(q.words), slop=q.slop, boost=q.boost)
    if isinstance(q, Or) and q.min_match > 1:
        combos = [And(c) for c in itertools.combinations(q.subqueries, q.min_match)]
        return to_whoosh(combos[0] if len(combos) == 1 else Or(combos, boost=q.boost))
    if isinstance(q, And):
        return wq.And([to_whoosh(s) for s in q.subqueries], boost=q.boost)
    if isinstance(q, Or):
        return _WhooshOr([to_whoosh(s) for s in q.subqueries], boost=q.boost)
    if isinstance(q, AndNot):
        return wq.AndNot(to_whoosh(q.a), to_whoosh(q.b))
    if isinstance(q, AndMaybe):
        return wq.AndMaybe(to_whoosh(q.a), to_whoosh(q.b))
    if isinstance(q, ConstantScoreQuery):
        return wq.ConstantScoreQuery(to_whoosh(q.child), q.score)
    if isinstance(q, Every):
        return wq.Every(boost=q.boost)
    if q is NullQuery:
        return wq.NullQuery
    raise TypeError(f"not a query of the engine: {q!r}")
