"""Clause scoring: BM25F (Whoosh's own) and its parameters, which the searcher's index searchers
and the evaluator's arrays (evaluate.Postings) both use. (Article-level ranking has its own,
search_app/ranking.py.)"""
from __future__ import annotations

from whoosh.scoring import BM25F

BM25_B, BM25_K1 = 0.75, 1.2

__all__ = ["BM25F", "BM25_B", "BM25_K1"]
