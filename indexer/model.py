"""The data model every reader produces and every later stage consumes.

document → measure (a numbered item: 序号 row of a list, or 第X条 article) → paragraph → clause.
Readers fill `Document`/`Measure`; `indexer.clauses` cuts paragraphs into `Clause`s.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Bounds on what one corpus line and one indexed clause may hold. The longest line of the law
# collection is 2,762 characters and its longest sentence 922, the seed list's rows under 1,000.
MAX_LINE_CHARS = 100_000    # a longer line (list row, article, block) is a corpus error at file:line
MAX_CLAUSE_CHARS = 2_000    # a longer sentence is indexed as several clauses of at most this many


class CorpusError(ValueError):
    """A corpus file that cannot be read as it is; always names the file and, where known, the line."""

    def __init__(self, path, line: int | None, reason: str):
        self.path, self.line, self.reason = str(path), line, reason
        self.problems = [self]       # every problem found in the file, this one first
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")

    @classmethod
    def of_all(cls, problems: list[CorpusError]) -> CorpusError:
        """One error for a file with several problems: the first's message plus a count, and
        `problems` listing them all (`check` prints each with its line)."""
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems in this file)" if len(problems) > 1 else ""
        error = cls(first.path, first.line, first.reason + more)
        error.problems = list(problems)
        return error


@dataclass
class Measure:
    no: int                      # 序号, or the article number (第二十条 → 20)
    title: str                   # 改革举措; for an article its label, e.g. "第二十条"
    paragraphs: list[str]        # content paragraphs, plain text (entities decoded, tags removed)
    departments: list[str] = field(default_factory=list)
    line: int = 0                # 1-based line in the source file where the measure starts
    article: str | None = None   # "第二十条" for regulations
    chapter: str | None = None   # "第二章 企业设立" (编/章/节 joined by " ") for regulations


@dataclass
class Document:
    doc_id: str                  # stable id from the file's path, no ":" in it
    title: str
    measures: list[Measure]
    path: str = ""
    format: str = ""             # reader name: "list", "laws-md", "regulation-txt", "html", "docx"
    # issuer, doc_number, date, category, province, version_date, events (list[str]), historical (bool)
    meta: dict = field(default_factory=dict)


@dataclass
class Clause:
    clause_id: str               # f"{doc_id}:{measure_no}:{paragraph}:{sentence}", 1-based
    doc_id: str
    measure_no: int
    paragraph: int
    sentence: int
    text: str
