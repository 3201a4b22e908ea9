"""The schema lives in indexer/engine/schema.py (kept importable here for callers of this name)."""
from indexer.engine.schema import CONTEXT_FIELDS, FIELD_WEIGHTS, make_schema

__all__ = ["CONTEXT_FIELDS", "FIELD_WEIGHTS", "make_schema"]
