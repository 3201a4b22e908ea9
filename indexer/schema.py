"""The index schema: one Whoosh document per clause, carrying its measure and document context."""
from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

# Field weights for BM25F ranking, tuned on the judged queries (benchmarks/ and tests/eval).
FIELD_WEIGHTS = {"text": 1.0, "measure_title": 0.6, "departments": 0.5, "chapter": 0.3, "doc_title": 0.3}
SEARCH_FIELDS = tuple(FIELD_WEIGHTS)


def make_schema(analyzer) -> Schema:
    return Schema(
        clause_id=ID(stored=True, unique=True),
        doc_id=ID(stored=True, sortable=True),      # columns: crowding reads them for hundreds of hits
        measure_key=ID(stored=True, sortable=True),  # doc_id:measure_no, for grouping hits by measure
        measure_no=NUMERIC(int, bits=64, stored=True, signed=True),
        paragraph=NUMERIC(int, stored=True),
        sentence=NUMERIC(int, stored=True),
        order=NUMERIC(int, bits=64, stored=True, sortable=True),  # reading order within the document
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        measure_title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        departments=TEXT(analyzer=analyzer, phrase=True),
        dept=KEYWORD(stored=True, commas=True, scorable=False),   # exact names, for facets and filters
        doc_title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        chapter=TEXT(analyzer=analyzer, stored=True, phrase=True),
        article=ID(stored=True),
        category=ID(stored=True),
        province=ID(stored=True),
        doc_number=ID(stored=True),
        issuer=STORED(),
        date=ID(stored=True),
        version_date=ID(stored=True),
        historical=BOOLEAN(stored=True),
    )
