"""Request-parameter checks shared by pages and API, so both reject the same input the same way."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..arrange import GROUPS, SORTS, VERSIONS, date_bound
from ..limits import MAX_FILTER_LENGTH
from ..query import QueryError

DIGITS = re.compile(r"[0-9]{1,9}")   # ASCII only: int() would also accept "٣" or "２"


class ParamError(ValueError):
    """A request parameter that cannot be used; the message is shown to the user as is."""

    def __init__(self, param: str, message: str):
        self.param = param
        super().__init__(message)


@dataclass(frozen=True)
class SearchParams:
    q: str
    page: int
    per_page: int
    dept: str | None
    doc: str | None
    category: str | None = None
    province: str | None = None
    expand: bool = True       # widen the query by the lay vocabulary (expand=0: the words as typed)
    sort: str = "relevance"   # or "date": newest document first
    group: str | None = None  # "document": hits grouped by their document
    date_from: str | None = None   # from= / to=: YYYY, YYYY-MM or YYYY-MM-DD, as typed (checked)
    date_to: str | None = None
    issuer: str | None = None      # the advanced form's metadata filters (as 发文机关: 文号: 版本: typed)
    number: str | None = None
    version: str | None = None     # current (default) | all | historical
    scope: str = "full"            # or "title": only documents whose title holds the query's words

    @property
    def filters(self) -> dict:
        """The collection filters beside dept/doc, for Searcher.search(filters=…)."""
        return {k: v for k, v in (("category", self.category), ("province", self.province),
                                  ("from", self.date_from), ("to", self.date_to), ("issuer", self.issuer),
                                  ("number", self.number), ("version", self.version),
                                  ("doc", self.title_words if self.scope == "title" else None)) if v}

    @property
    def title_words(self) -> str:
        """The query's words without its filters (部门:…) or exclusions, for scope=title."""
        return " ".join(w.strip('"') for w in self.q.split()
                        if not re.match(r"^-|^[^\s:：]+[:：]", w) and w.upper() not in ("OR", "NOT")) or self.q

    @property
    def arrangement(self) -> dict:
        """sort= and group=, for Searcher.search(**…)."""
        return {"sort": self.sort, "group": self.group}


def query(args, config, name: str = "q") -> str:
    value = args.get(name)
    if value is None:
        raise ParamError(name, f"缺少检索词参数 {name}")
    value = value.strip()
    if not value:
        raise ParamError(name, "请输入检索词")
    limit = config["MAX_QUERY_LENGTH"]
    if len(value) > limit:
        raise ParamError(name, f"检索词过长：最多 {limit} 个字符，当前 {len(value)} 个")
    return value


def integer(args, name: str, default: int, maximum: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    if not DIGITS.fullmatch(raw):
        raise ParamError(name, f"参数 {name} 必须是正整数")
    value = int(raw)
    if value < 1:
        raise ParamError(name, f"参数 {name} 必须大于等于 1")
    if value > maximum:
        raise ParamError(name, f"参数 {name} 不能大于 {maximum}")
    return value


def text_filter(args, name: str) -> str | None:
    """An optional exact-value filter (department, document); blank means no filter."""
    value = (args.get(name) or "").strip()
    if len(value) > MAX_FILTER_LENGTH:
        raise ParamError(name, f"参数 {name} 过长")
    return value or None


def flag(args, name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip() not in ("0", "1"):
        raise ParamError(name, f"参数 {name} 只能是 0 或 1")
    return raw.strip() == "1"


def choice(args, name: str, allowed, default=None):
    """A value out of a fixed list; blank means the default."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if raw not in allowed:
        raise ParamError(name, f"参数 {name} 只能是 {'、'.join(allowed)}，收到 {raw[:40]!r}")
    return raw


def date(args, name: str, end: bool) -> str | None:
    """from=/to=: YYYY, YYYY-MM or YYYY-MM-DD (kept as typed; the searcher takes its bounds)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        date_bound(raw[:40], end, name)
    except QueryError as exc:
        raise ParamError(name, str(exc)) from None
    return raw


SCOPES = ("full", "title")


def search_params(args, config) -> SearchParams:
    low, high = date(args, "from", False), date(args, "to", True)
    if low and high and date_bound(low, False) > date_bound(high, True):
        raise ParamError("from", f"起始日期 from={low} 晚于截止日期 to={high}")
    return SearchParams(
        q=query(args, config),
        page=integer(args, "page", 1, config["MAX_PAGE"]),
        per_page=integer(args, "per_page", config["DEFAULT_PER_PAGE"], config["MAX_PER_PAGE"]),
        dept=text_filter(args, "dept"),
        doc=text_filter(args, "doc"),
        category=text_filter(args, "category"),
        province=text_filter(args, "province"),
        expand=flag(args, "expand", True),
        sort=choice(args, "sort", SORTS, "relevance"),
        group=choice(args, "group", GROUPS),
        date_from=low, date_to=high,
        issuer=text_filter(args, "issuer"),
        number=text_filter(args, "number"),
        version=choice(args, "version", VERSIONS),
        scope=choice(args, "scope", SCOPES, "full"),
    )
