"""The weighting the searcher's per-thread index searchers score with (BM25F, Whoosh's own)."""
from __future__ import annotations

from whoosh.scoring import BM25F

__all__ = ["BM25F"]
