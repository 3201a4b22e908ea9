"""The reader's query language, parsed into a small tree before the engine's query tree is built.

    专利 质押            words, all required
    "协议工资制"          a phrase: these words, adjacent, in order (ASCII quotes; a question's
                         Chinese quotes “…” are emphasis, their words searched as any others)
    年薪制 OR 协议工资     either side (binds tighter than the implicit AND)
    -房地产  NOT 房地产   exclude
    部门:知识产权局 dept:…  文件:… doc:…  类别:/category:  省份:/province:  版本:/version: 全部|历史|现行|all|historical|current
    条:/article: 二十
    文号:/number:  发文机关:/issuer:  年份:/year:  (document metadata)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .limits import MAX_FILTERS, MAX_QUERY_LENGTH, MAX_WORDS

FIELD_ALIASES = {
    "部门": "dept", "dept": "dept", "department": "dept",
    "文件": "doc", "doc": "doc", "document": "doc",
    "类别": "category", "category": "category",
    "省份": "province", "province": "province",
    "版本": "version", "version": "version",
    "条": "article", "article": "article",
    "文号": "number", "number": "number",
    "发文机关": "issuer", "机关": "issuer", "issuer": "issuer",
    "年份": "year", "year": "year",
}
VERSION_VALUES = {"全部": "all", "all": "all", "历史": "historical", "historical": "historical",
                  "现行": "current", "current": "current"}


class QueryError(ValueError):
    """A query that cannot be run; the message is the reason, fit to show the reader."""


@dataclass
class Word:
    text: str
    phrase: bool = False


@dataclass
class ParsedQuery:
    groups: list[list[Word]] = field(default_factory=list)   # AND of groups; a group is an OR of words
    negated: list[Word] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def positive_words(self) -> list[Word]:
        return [w for g in self.groups for w in g]


_EMPHASIS = str.maketrans({"“": " ", "”": " "})   # readers quote words for emphasis, not as phrases
_TOKEN_RE = re.compile(r'\s*(?:(?P<neg>-)?(?:(?P<field>[^\s:："“”]+)[:：]\s*)?(?P<body>"[^"]*"|“[^”]*”|[^\s"“”]+))')


def _unquote(body: str) -> tuple[str, bool]:
    if len(body) >= 2 and body[0] in '"“' and body[-1] in '"”':
        return body[1:-1].strip(), True
    return body, False


def _deduplicated(parsed: ParsedQuery) -> ParsedQuery:
    """A word typed twice asks for nothing more than once."""
    seen, groups = set(), []
    for group in parsed.groups:
        key = tuple((w.text, w.phrase) for w in group)
        if key not in seen:
            seen.add(key)
            groups.append(group)
    negated = list({(w.text, w.phrase): w for w in parsed.negated}.values())
    filters = {key: list(dict.fromkeys(values)) for key, values in parsed.filters.items()}
    return ParsedQuery(groups, negated, filters)


def parse(q: str | None) -> ParsedQuery:
    """Parse a query or raise QueryError with a reason."""
    if q is None or not q.strip():
        raise QueryError("检索词为空 (empty query: type one or more words)")
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError(f"检索词过长，最多 {MAX_QUERY_LENGTH} 个字符 (query too long: {len(q)} characters, at most {MAX_QUERY_LENGTH})")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in q):
        q = "".join(" " if ord(c) < 32 else c for c in q)
    q = q.translate(_EMPHASIS)
    if q.count('"') % 2:
        raise QueryError("引号不成对，请补全短语的引号 (unbalanced quote: close the phrase with a matching quotation mark)")
    parsed, pending_or, pending_not = ParsedQuery(), False, False
    pos = 0
    q = q.strip()
    while pos < len(q):
        m = _TOKEN_RE.match(q, pos)
        if not m or m.end() == pos:
            raise QueryError(f"无法解析第 {pos + 1} 个字符处的检索式 (cannot read the query at character {pos + 1})")
        pos = m.end()
        neg, fname, body = m["neg"], m["field"], m["body"]
        text, phrase = _unquote(body)
        if fname is None and not phrase and body in ("OR", "|"):
            if not parsed.groups or pending_or:
                raise QueryError("OR 两边都需要检索词 (OR needs a word on each side)")
            pending_or = True
            continue
        if fname is None and not phrase and body in ("NOT", "AND"):
            pending_not = body == "NOT"
            continue
        if fname is not None:
            key = FIELD_ALIASES.get(fname.lower())
            if key is None:
                if fname.isascii():
                    raise QueryError(f"未知的筛选字段 {fname} (unknown field {fname!r}: use {', '.join(sorted(set(FIELD_ALIASES)))})")
                # a Chinese word followed by a colon is just text
                text, phrase = _unquote(fname + "：" + body)
            else:
                if not text:
                    raise QueryError(f"筛选字段 {fname} 缺少取值 (field {fname} needs a value)")
                if neg or pending_not:
                    raise QueryError(f"筛选条件不能排除，请去掉 {fname} 前的 - 或 NOT (a filter cannot be negated)")
                if key == "version" and VERSION_VALUES.get(text.lower()) is None:
                    raise QueryError(f"版本只能是 {'、'.join(VERSION_VALUES)} (version must be one of {', '.join(VERSION_VALUES)})")
                value = VERSION_VALUES.get(text.lower(), text) if key == "version" else text
                parsed.filters.setdefault(key, []).append(value)
                pending_or = pending_not = False
                continue
        if not text:
            continue
        word = Word(text, phrase)
        if neg or pending_not:
            parsed.negated.append(word)
            pending_not = False
        elif pending_or:
            parsed.groups[-1].append(word)
            pending_or = False
        else:
            parsed.groups.append([word])
    if pending_or:
        raise QueryError("OR 两边都需要检索词 (OR needs a word on each side)")
    parsed = _deduplicated(parsed)
    filters = sum(len(v) for k, v in parsed.filters.items() if k != "version")
    if filters > MAX_FILTERS:
        raise QueryError(f"筛选条件过多，最多 {MAX_FILTERS} 个 (too many filters: {filters}, at most {MAX_FILTERS})")
    words = sum(len(g) for g in parsed.groups) + len(parsed.negated) + filters
    if words > MAX_WORDS:
        raise QueryError(f"检索词过多，最多 {MAX_WORDS} 个 (too many words: {words}, at most {MAX_WORDS})")
    if not parsed.groups and not parsed.filters:
        raise QueryError("检索式只有排除词，请加上要查找的词 (the query only excludes words: add a word to search for)")
    return parsed
