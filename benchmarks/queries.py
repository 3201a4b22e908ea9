"""A deterministic mixed query list drawn from a corpus, shared by bench_build.py, naive.py and bench_http.py.

Kinds (equal shares): single words, two-word ANDs, "phrases" (adjacent words in quotes),
`部门:… word` filters (`类别:… word` for clauses without departments, i.e. laws), `word -word` exclusions and
relaxed questions (`{a}怎么{b}{c}`, the seed's `小微企业怎么用应收账款融资`, …) that rarely match every word,
so the searcher's relaxation runs.
Words come from clauses of the corpus itself (jieba precise mode), so most queries have hits.
"""
from __future__ import annotations

import random
import re

KINDS = ("word", "and2", "phrase", "filter", "not", "question")
QUESTION_TEMPLATES = ("{a}怎么{b}{c}", "如何申请{a}{b}", "{a}{b}有哪些{c}政策", "{a}可以{b}吗",
                      "哪些{a}能享受{b}", "{a}和{b}怎么办理")
FIXED_QUESTIONS = ("小微企业怎么用应收账款融资", "专利权质押融资怎么办理", "高校科研人员能不能兼职创业",
                   "外国人怎么申请永久居留", "国有企业负责人怎么实行年薪制")
CJK = re.compile(r"[\u4e00-\u9fff]{2,6}")


def corpus_clauses(corpus_dirs):
    """[(clause text, departments, category)] in corpus order, read with the engine's own readers."""
    from indexer.clauses import document_clauses
    from indexer.corpus import discover, read_all
    docs, _errors = read_all(discover(corpus_dirs))
    out = []
    for doc in docs:
        depts = {m.no: m.departments for m in doc.measures}
        for c in document_clauses(doc):
            out.append((c.text, depts.get(c.measure_no) or [], doc.meta.get("category") or ""))
    return out


def make_queries(corpus_dirs, n: int = 240, seed: int = 7, clauses=None) -> list[tuple[str, str]]:
    """[(kind, query)]: n queries, n/6 of each kind, the same for the same corpus and seed."""
    import jieba
    jieba.setLogLevel(60)
    clauses = clauses if clauses is not None else corpus_clauses(corpus_dirs)
    rng = random.Random(seed)
    per_kind = -(-n // len(KINDS))
    out: list[tuple[str, str]] = []

    def sample():
        for _ in range(200):
            text, depts, *rest = clauses[rng.randrange(len(clauses))]
            words = [w for w in jieba.lcut(text) if CJK.fullmatch(w)]
            if len(words) >= 3:
                return text, depts, words, (rest[0] if rest else "")
        raise RuntimeError("corpus too small or without Chinese words for queries")

    for kind in KINDS:
        made = 0
        while made < per_kind:
            text, depts, words, category = sample()
            if kind == "word":
                q = rng.choice(words)
            elif kind == "and2":
                a, b = rng.sample(words, 2)
                if a == b:
                    continue
                q = f"{a} {b}"
            elif kind == "phrase":
                toks = [w for w in jieba.lcut(text)]
                pairs = [(x, y) for x, y in zip(toks, toks[1:]) if CJK.fullmatch(x) and CJK.fullmatch(y)]
                if not pairs:
                    continue
                x, y = rng.choice(pairs)
                q = f'"{x}{y}"'
            elif kind == "filter":
                if depts:
                    q = f"部门:{rng.choice(depts)} {rng.choice(words)}"
                elif category:   # laws have no departments: their category (类别:行政法规 …)
                    q = f"类别:{category} {rng.choice(words)}"
                else:
                    continue
            elif kind == "not":
                other = sample()[2]
                a, b = rng.choice(words), rng.choice(other)
                if a == b:
                    continue
                q = f"{a} -{b}"
            else:
                if made < len(FIXED_QUESTIONS):
                    q = FIXED_QUESTIONS[made]
                else:
                    a, b, c = rng.sample(words, 3)
                    q = rng.choice(QUESTION_TEMPLATES).format(a=a, b=b, c=c)
            out.append((kind, q))
            made += 1
    return out


def read_questions(path) -> list[str]:
    """Distinct questions of a file, in order: one a line, or a TSV's second column (id, question, …:
    ../shared/eval/stard/train.tsv)."""
    out = []
    for line in open(path, encoding="utf-8").read().splitlines():
        cells = line.split("\t")
        text = (cells[1] if len(cells) > 1 else cells[0]).strip()
        if text:
            out.append(text)
    return list(dict.fromkeys(out))


def to_whoosh_syntax(q: str) -> str:
    """Our query language → Whoosh's default parser, for the naive setup: 部门:X → departments:X,
    -word → NOT word; words, "phrases" and everything else unchanged (AND of terms)."""
    parts = []
    for token in re.findall(r'"[^"]*"|\S+', q):
        if token.startswith(("部门:", "dept:")):
            parts.append("departments:" + token.split(":", 1)[1])
        elif token.startswith("-") and len(token) > 1:
            parts.append("NOT " + token[1:])
        else:
            parts.append(token)
    return " ".join(parts)
