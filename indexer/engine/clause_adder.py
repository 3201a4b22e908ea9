"""Adding clause records to a segment writer with less work per clause and per posting."""
from __future__ import annotations

from whoosh.formats import Positions

from .analysis import index_positions, text_cuts
from .clause_record import ClauseRecord
from .schema import ADDED_FIELDS
from .segment_writer import TermPool


class ClauseAdder:
    """`writer.add_document(**record)` for clause records, doing less work per clause and per posting.

    What Whoosh's SegmentWriter.add_document does, with the same postings, stored fields, lengths
    and columns (tests compare the two indexes), but:
      - the postings of short field values that repeat from clause to clause (the measure title,
        departments, chapter, document id and the other ids) are computed once and reused;
      - positions-format fields (text, titles) are turned into postings here, with the encoded
        position lists of the common short cases cached instead of pickled per posting;
      - postings go into a TermPool (segment_writer.py) in place of the writer's PostingPool,
        grouped by term as they come, a field's at once, not one call each.
    Either way the clause's segmentation is stored beside its text (`cuts`, analysis.word_cuts;
    in the fast path from the same segmenting that indexes it), for highlighting.
    The caches live in this object only, never in the index.
    """

    CACHE_TEXT = 200
    CACHE_SIZE = 20000

    def __init__(self, writer):
        self.writer = writer
        self.schema = writer.schema
        self.fields = {name: self.schema[name] for name in self.schema.names()}
        self.plain = any(f.separate_spelling() or f.vector for f in self.fields.values())
        self.cuts = "cuts" in self.fields and "text" in self.fields   # an index built before cuts has none
        self.absent = {name for name in ADDED_FIELDS if name not in self.fields}   # … nor these: left out
        self.items_cache: dict = {}
        self.encoded: dict = {}
        if not self.plain and not isinstance(writer.pool, TermPool):
            if writer.pool.current or writer.pool.runs:
                raise ValueError("ClauseAdder needs a writer that holds no postings yet")
            writer.pool = TermPool(writer._tempstorage, writer.pool.limit)

    def add(self, clause: ClauseRecord) -> None:
        writer = self.writer
        record = clause.fields()
        if self.absent:
            record = {k: v for k, v in record.items() if k not in self.absent}
        if self.plain or any(name.startswith("_") for name in record):
            if self.cuts and record.get("text") and "cuts" not in record:
                record = dict(record, cuts=text_cuts(self.fields["text"].analyzer, record["text"]))
            writer.add_document(**record)          # boosts, spelling, vectors: Whoosh's own way
            return
        writer._check_state()
        names = sorted(record)
        writer._check_fields(self.schema, names)
        perdoc, pool, docnum, fields = writer.perdocwriter, writer.pool, writer.docnum, self.fields
        cuts: list | None = [] if self.cuts and "cuts" not in record else None
        perdoc.start_doc(docnum)
        for name in names:
            value = record[name]
            if value is None:
                continue
            field = fields[name]
            length = 0
            if field.indexed:
                items, length = self._items(name, field, value, cuts if name == "text" else None)
                if items:
                    pool.add_grouped(docnum, name, items)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        if cuts and cuts[0] is not None:    # (another analyzer than ours gives none)
            perdoc.add_field("cuts", fields["cuts"], cuts[0], 0)
        perdoc.finish_doc()
        writer._added = True
        writer.docnum += 1

    def _items(self, name, field, value, cuts=None):
        """([(term bytes, weight, value bytes)], field length) of one field value; a `cuts` list
        gets the value's word_cuts() (the text field's)."""
        cacheable = name != "text" and isinstance(value, (str, bool)) and (
            not isinstance(value, str) or len(value) <= self.CACHE_TEXT)
        if cacheable:
            found = self.items_cache.get((name, value))
            if found is not None:
                return found
        if type(field.format) is Positions and isinstance(value, str):
            raw = self._positions(field, value, cuts)
        else:
            raw = list(field.index(value))
        items, length = [], 0
        for tbytes, freq, weight, vbytes in raw:
            items.append((tbytes, weight * 1.0, vbytes))
            length += freq
        found = (items, length if field.scorable else 0)
        if cacheable:
            if len(self.items_cache) >= self.CACHE_SIZE:
                self.items_cache.clear()
            self.items_cache[(name, value)] = found
        return found

    def _positions(self, field, value, cuts=None):
        """Positions.word_values(value, analyzer, mode="index") + utf-8 term bytes, as field.index() gives."""
        poses = index_positions(field.analyzer, value, cuts=cuts)
        if poses is None:                # another analyzer: its tokens, as Positions.word_values takes them
            poses, weights = {}, {}
            for t in field.analyzer(value, positions=True, boosts=True, mode="index"):
                if t.stopped:
                    continue
                text = t.text
                if text in poses:
                    poses[text].append(t.pos)
                    weights[text] += t.boost
                else:
                    poses[text] = [t.pos]
                    weights[text] = 0.0 + t.boost
        else:                            # our tokens all have boost 1.0: the sum is the count
            weights = {text: float(len(p)) for text, p in poses.items()}
        fb, encoded, out = field.format.field_boost, self.encoded, []
        for text, poslist in poses.items():
            key = tuple(poslist)
            vbytes = encoded.get(key)
            if vbytes is None:
                if len(encoded) >= self.CACHE_SIZE:
                    encoded.clear()
                vbytes = encoded[key] = field.format.encode(poslist)
            out.append((text.encode("utf-8"), len(poslist), weights[text] * fb, vbytes))
        return out
