"""The index schema: one Whoosh document per clause, carrying its measure and document context.

Whoosh's cost grows with every posting, so a clause indexes only what ranking and filtering
need, leaves empty fields out, and keeps everything it displays in one stored `info` record.
Document titles and department names are not analysed per clause at all: they are few and
repeat on every clause, so the searcher matches words against them once (CONTEXT_FIELDS) and
reaches the clauses through the exact `doc_id` and `dept` terms every clause has anyway.
"""
from __future__ import annotations

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, KEYWORD, STORED, TEXT, Schema

# Field weights for BM25F ranking, tuned on the judged queries.
FIELD_WEIGHTS = {"text": 1.0, "measure_title": 0.6, "departments": 0.5, "chapter": 0.3, "doc_title": 0.3}
# searched word → names holding it → clauses with that exact term: (clause field with the names)
CONTEXT_FIELDS = {"departments": "dept", "doc_title": "doc_id"}
# fields newer than indexes still in use: an older index is updated in its own schema, without them
ADDED_FIELDS = ("facts",)


def make_schema(analyzer) -> Schema:
    return Schema(
        doc_id=ID(stored=True, sortable=True),     # a column too: crowding reads it for hundreds of hits
        measure_key=COLUMN(VarBytesColumn()),     # doc_id:measure_no, for grouping hits by measure
        order=COLUMN(NumericColumn("i")),         # reading order within the document
        facts=COLUMN(NumericColumn("B")),         # the answer types the clause states (indexer/facts.py), bits
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        cuts=STORED(),                            # the text's segmentation (analysis.word_cuts), for highlighting
        measure_title=TEXT(analyzer=analyzer, phrase=True),
        dept=KEYWORD(commas=True, scorable=False),  # exact names: facets, filters, department words
        chapter=TEXT(analyzer=analyzer, phrase=True),
        article=ID(),
        category=ID(),
        province=ID(),
        doc_number=ID(),
        historical=BOOLEAN(),
        info=STORED(),
    )
