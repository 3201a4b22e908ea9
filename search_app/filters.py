"""The query's filters (dept, doc, category, province, article, dates, document metadata,
version) as one query tree of the clauses they allow, and the mask of clauses left out by default."""
from __future__ import annotations

from indexer.engine import query as Q
from indexer.numerals import article_label

from . import arrange
from .query import QueryError

# filters on document metadata, resolved through the manifest: query key → meta key
DOC_META_FILTERS = {"number": "doc_number", "issuer": "issuer", "year": "date"}


def filter_query(filters: dict, compiler, gen) -> tuple:
    """(the query tree every filter must match, or None; the clauses masked out: historical
    versions unless asked for, duplicates when nothing narrows the search)."""
    required, mask = [], None
    for key, values in filters.items():
        if key == "version":
            continue
        for value in values:
            required.append(one_filter(key, value, compiler, gen))
    version = (filters.get("version") or ["current"])[-1]   # the last one typed wins
    if version == "current":
        mask = gen.historical()
    elif version == "historical":
        required.append(Q.Term("historical", True))
    if not set(filters) - {"version"} and len(gen.duplicates()):
        mask = gen.duplicates() if mask is None else gen.historical_or_duplicate()
    required = [r for r in required if r is not None]
    return (Q.And(required) if len(required) > 1 else required[0]) if required else None, mask


def one_filter(key: str, value: str, compiler, gen) -> Q.Query:
    """One filter's query: an exact index term where the value is one, else the value's words
    matched in department names or document titles; metadata and dates through the manifest."""
    reader = gen.searcher().reader()
    if key == "dept":
        if reader.doc_frequency("dept", value):
            return Q.Term("dept", value)
        units = compiler.units(value)
        return compiler.units_query(units, set(), fields=("departments",), broad=True) if units else Q.NullQuery
    if key == "doc":
        if reader.doc_frequency("doc_id", value):
            return Q.Term("doc_id", value)
        units = compiler.units(value)
        return compiler.units_query(units, set(), fields=("doc_title",), broad=True) if units else Q.NullQuery
    if key in ("category", "province"):
        return Q.Term(key, value)
    if key == "article":
        label = article_label(value if value.startswith("第") else f"第{value}条")
        return Q.Term("article", label) if label else Q.NullQuery
    if key in ("from", "to"):
        low, high = (arrange.date_bound(value, False, key), None) if key == "from" else \
            (None, arrange.date_bound(value, True, key))
        ids = arrange.documents_in_range(gen.manifest, low, high)
        return Q.Or([Q.Term("doc_id", d) for d in ids]) if ids else Q.NullQuery
    if key in DOC_META_FILTERS:
        ids = gen.documents_where(DOC_META_FILTERS[key], value)
        return Q.Or([Q.Term("doc_id", d) for d in ids]) if ids else Q.NullQuery
    raise QueryError(f"unknown filter {key!r}")
