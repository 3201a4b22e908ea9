"""The query objects search_app builds (compile.py) and the engine answers (evaluate.py).

Today they are Whoosh's own classes, named here so that search_app depends on the engine's
interface and not on Whoosh: a query tree of our own can replace them behind these names.
"""
from __future__ import annotations

from whoosh.query import And, AndMaybe, AndNot, ConstantScoreQuery, Every, NullQuery, Or, Phrase, Query, Term

__all__ = ["And", "AndMaybe", "AndNot", "ConstantScoreQuery", "Every", "NullQuery", "Or", "Phrase", "Query", "Term"]
