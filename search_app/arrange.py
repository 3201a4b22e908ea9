"""Arranging a ranked result for reading: by date (newest first) or grouped by document, each hit
with its document's date and validity; date bounds for `from=` / `to=`.

The ranking (ranking.py) decides what matches and how well; this module only reorders and
annotates, so sorting by date never changes which articles are found nor how many.
"""
from __future__ import annotations

import calendar
import re

from .query import QueryError

SORTS = ("relevance", "date")
GROUPS = ("document",)
VERSIONS = ("current", "all", "historical")   # which versions of a document answer
ARRANGE_WINDOW = 2000   # ranked units sorted by date or grouped: the best this many by relevance
GROUP_SHOWN = 3         # a document group's articles shown at once …
GROUP_MORE = 7          # … and this many more behind its disclosure (the rest: a link to the document's hits)
_DATE_RE = re.compile(r"([12][0-9]{3})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")
_REPEAL_RE = re.compile(r"废止|失效")
_TITLE_RE = re.compile(r"《[^》]*》")


def date_bound(value: str, end: bool, name: str = "date") -> str:
    """YYYY, YYYY-MM or YYYY-MM-DD → the first (end=False) or last (end=True) day it covers, as
    YYYY-MM-DD; anything else, or a date that does not exist, is a QueryError naming the parameter."""
    text = (value or "").strip()
    m = _DATE_RE.fullmatch(text)
    hint = f"{name} 应写作 YYYY、YYYY-MM 或 YYYY-MM-DD（如 2018、2018-06、2018-06-30），收到 {text!r}"
    if not m:
        raise QueryError(hint)
    year = int(m[1])
    month = int(m[2]) if m[2] else (12 if end else 1)
    if not 1 <= month <= 12:
        raise QueryError(hint)
    last = calendar.monthrange(year, month)[1]
    day = int(m[3]) if m[3] else (last if end else 1)
    if not 1 <= day <= last:
        raise QueryError(hint)
    return f"{year:04d}-{month:02d}-{day:02d}"


def doc_date(meta: dict) -> str | None:
    """A document's date as YYYY-MM-DD (or YYYY-MM, YYYY as known): its version date (公布/施行/修正),
    else the date the document carries; None when it has none."""
    for key in ("version_date", "date"):
        value = str(meta.get(key) or "").strip()
        m = _DATE_RE.match(value)
        if m:
            return "-".join(f"{int(p):02d}" if i else p for i, p in enumerate(m.groups()) if p)
    return None


def documents_in_range(manifest: dict, low: str | None, high: str | None) -> list[str]:
    """Ids of documents whose date lies within [low, high] (YYYY-MM-DD bounds; None: open)."""
    found = []
    for doc_id, summary in manifest["documents"].items():
        date = doc_date(summary.get("meta", {}))
        if date is None:
            continue
        if low is not None and date_bound(date, True) < low:
            continue
        if high is not None and date_bound(date, False) > high:
            continue
        found.append(doc_id)
    return sorted(found)


_REPEAL_LIST_RE = re.compile(r"((?:《[^《》]{2,80}》[、，,和及与]?)+)(?:等[^。；《]{0,12}?)?(?:同时|予以|即行|一并|也|均)?废止")


def repealed_titles(text: str) -> list[str]:
    """The titles a sentence repeals: 《…》 (or a list of them) right before 废止 (本法自…施行，
    《…（试行）》同时废止); a title cited elsewhere in the sentence (根据《立法法》…废止…) is not, and a
    title holding 废止 itself (《国务院关于废止…的决定》) is the act of repealing, not its object."""
    found = []
    for m in _REPEAL_LIST_RE.finditer(text):
        found += [t for t in re.findall(r"《([^《》]{2,80})》", m.group(1)) if "废止" not in t]
    return found


_APPLIES_RE = re.compile(r"关于适用《([^《》]{2,80})》")   # 最高人民法院关于适用《中华人民共和国担保法》若干问题的解释


def repeals(manifest: dict, clauses) -> dict[str, dict]:
    """doc_id → {"doc_id", "title", "date"} of a newer document of the collection that repeals it,
    from (doc_id, text) of the clauses saying 废止; an interpretation of a law so repealed (in the
    collection or not: 民法典 repeals 民法总则, 担保法 …) maps to the same, with "law" naming it."""
    docs = manifest["documents"]
    by_title: dict[str, list[str]] = {}
    for doc_id, summary in docs.items():
        title = summary.get("title", "").strip()
        for key in {title, title.removeprefix("中华人民共和国")} - {""}:
            by_title.setdefault(key, []).append(doc_id)
    found: dict[str, dict] = {}
    named: dict[str, tuple[str, str]] = {}   # a repealed title (short form) → (by, when)
    for by, text in clauses:
        when = doc_date(docs.get(by, {}).get("meta", {})) or ""
        for title in repealed_titles(text):
            short = title.removeprefix("中华人民共和国")
            if short != docs.get(by, {}).get("title", "").removeprefix("中华人民共和国"):
                named.setdefault(short, (by, when))
            for doc_id in by_title.get(title) or by_title.get(short) or ():
                older = (doc_date(docs[doc_id].get("meta", {})) or "") <= when
                if doc_id != by and older and docs[doc_id].get("title") != docs.get(by, {}).get("title"):
                    found.setdefault(doc_id, {"doc_id": by, "title": docs[by]["title"], "date": when or None})
    for doc_id, summary in docs.items():
        m = _APPLIES_RE.search(summary.get("title", ""))
        law = m and named.get(m.group(1).removeprefix("中华人民共和国"))
        if law and doc_id not in found and (doc_date(summary.get("meta", {})) or "") <= law[1]:
            found[doc_id] = {"doc_id": law[0], "title": docs[law[0]]["title"], "date": law[1] or None,
                             "law": m.group(1)}
    return found


def validity(manifest: dict, doc_id: str, repealed: dict | None = None) -> dict | None:
    """What the collection says about a document's force, or None when it says nothing:
    {"status": "historical", "label": "已被替代", "current": {doc_id, title, date}} for an older
    version of a law (a newer file of the same work replaces it), {"status": "repealed",
    "label": "已废止", "by": {doc_id, title, date}} when a newer document of the collection repeals
    it (`repeals`), {"status": "outdated", "label": "所释法律已废止", "law": title, "by": …} for an
    interpretation of a law so repealed, {"status": "repealed", "label": "已废止", "event": …} when one of its events does."""
    docs = manifest["documents"]
    meta = docs.get(doc_id, {}).get("meta", {})
    if repealed and doc_id in repealed:
        by = dict(repealed[doc_id])
        law = by.pop("law", None)
        if law:   # an interpretation of a repealed law: outdated with it, though not itself repealed here
            return {"status": "outdated", "label": "所释法律已废止", "law": law, "by": by}
        return {"status": "repealed", "label": "已废止", "by": by}
    if meta.get("historical"):
        versions = meta.get("versions") or []
        current = versions[-1] if versions and versions[-1] in docs else None
        return {"status": "historical", "label": "已被替代",
                "current": None if current is None else {
                    "doc_id": current, "title": docs[current]["title"],
                    "date": doc_date(docs[current].get("meta", {}))}}
    for event in meta.get("events") or ():
        if _REPEAL_RE.search(_TITLE_RE.sub("", event)):   # 《关于废止…的决定》修订 is an amendment, not a repeal
            return {"status": "repealed", "label": "已废止", "event": event}
    return None


def annotate(hits: list[dict], manifest: dict, repealed: dict | None = None) -> None:
    """Adds each hit's document `date` and `validity` (fields added to the JSON contract)."""
    docs = manifest["documents"]
    for hit in hits:
        hit["date"] = doc_date(docs.get(hit["doc_id"], {}).get("meta", {}))
        hit["validity"] = validity(manifest, hit["doc_id"], repealed)


def by_date(ranked: list[tuple], date_of) -> list[tuple]:
    """(unit, strict, score) in relevance order → newest document first; the units satisfying the
    query as written before the partial matches, undated ones last, relevance breaking ties."""
    def key(item):
        place, (unit, strict, _score) = item
        date = date_of(unit)
        return (not strict, date is None, -int(date.replace("-", "").ljust(8, "0")) if date else 0, place)
    return [hit for _, hit in sorted(enumerate(ranked), key=key)]


def by_document(ranked: list[tuple], doc_of) -> list[list[tuple]]:
    """Units grouped by their document, the groups in the order of their best unit."""
    groups: dict = {}
    for hit in ranked:
        groups.setdefault(doc_of(hit[0]), []).append(hit)
    return list(groups.values())


class DocTable:
    """Per index generation: a unit's document id and date (the doc_id column read once)."""

    def __init__(self, reader, units, manifest: dict):
        numbers: dict = {}
        for value in reader.column_reader("doc_id"):
            numbers.setdefault(value, len(numbers))   # the numbering searcher._numbered gives doc_of
        self.ids = [v.decode("utf-8") if isinstance(v, bytes) else v for v in numbers]
        docs = manifest["documents"]
        dates = [doc_date(docs.get(d, {}).get("meta", {})) for d in self.ids]
        self.unit_doc = units.doc_of
        self.dates = dates

    def doc_id(self, unit: int) -> str:
        return self.ids[int(self.unit_doc[unit])]

    def date(self, unit: int) -> str | None:
        return self.dates[int(self.unit_doc[unit])]


def group_entry(manifest: dict, doc_id: str, count: int, hits: list[dict], repealed: dict | None = None) -> dict:
    """One document's group: its title, date and validity, how many of its articles match, the best ones."""
    summary = manifest["documents"].get(doc_id, {})
    annotate(hits, manifest, repealed)
    return {"doc_id": doc_id, "doc_title": summary.get("title", doc_id), "date": doc_date(summary.get("meta", {})),
            "validity": validity(manifest, doc_id, repealed), "count": count, "hits": hits}
