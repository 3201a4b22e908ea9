"""One clause as the engine stores it: the record that crosses from the indexer into the index.

Its attributes are the schema's fields (schema.py; `cuts` is made by the engine from `text`), so a
field added, renamed or dropped on one side fails a test instead of a build. Empty optional
values are not stored (Whoosh stores nothing for a missing field, and the searcher reads that
as absent).
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class ClauseRecord:
    doc_id: str
    measure_key: bytes          # doc_id:measure_no, grouping clauses into articles and measures
    order: int                  # reading order within the document
    text: str
    info: dict                  # what a hit shows (clause_id, titles, numbers), stored as it is
    measure_title: str | None = None
    dept: str | None = None     # the measure's departments, comma-separated
    chapter: str | None = None
    article: str | None = None  # the article's canonical label (第二十条)
    category: str | None = None
    province: str | None = None
    doc_number: str | None = None
    historical: bool = False    # an older version of a law the collection also holds newer
    facts: int = 0              # the answer types the clause states (indexer/facts.py), as bits

    def fields(self) -> dict:
        """The Whoosh document: every required field, the optional ones that have a value."""
        found = {"doc_id": self.doc_id, "measure_key": self.measure_key, "order": self.order, "text": self.text,
                 "info": self.info}
        for name in OPTIONAL:
            value = getattr(self, name)
            if value:
                found[name] = value
        return found


OPTIONAL = tuple(f.name for f in fields(ClauseRecord) if f.name not in ("doc_id", "measure_key", "order", "text", "info"))
