#!/usr/bin/env python3
"""Deterministic synthetic corpus in the seed's list format, for the benchmarks.

    python benchmarks/gen_corpus.py --measures 10000 --out benchmarks/out/corpus-10k
    python benchmarks/gen_corpus.py --clauses 120000 --out benchmarks/out/corpus-120kc

Words are drawn from jieba's bundled dict.txt (read from the installed jieba package, nothing is
downloaded) with probability proportional to their dictionary frequency; only all-Chinese words
are used. Each measure row has 序号, a title (6-20 characters of words), 主要内容 with 1-4 `<p>`
paragraphs of 1-4 sentences ending in 。 or ；, and 1-3 departments from a list of real
provincial bodies (a few are far more common than the rest, as in real lists).

Sizes: a measure has 3.06 clauses on average (paragraphs 1-4 with weights .50/.30/.15/.05, the
same for sentences per paragraph) and a clause 28.05 characters, so (seed 20240601)
    --measures 1000    →   3,009 clauses,    85 k chars     --measures 10000  →  30,523 clauses
    --measures 39122   → 120,000 clauses, 3.37 M chars      --measures 100000 → 306,065 clauses, 8.6 M chars
and --clauses C stops at exactly C clauses (--clauses 120000 gives the 39,122 measures above). Measures are split
into --docs files (default: one file per 100 measures, ~300 clauses each) so that updating one document can be measured.
corpus/userdict.txt and corpus/synonyms.txt are copied beside them; corpus.json records the
parameters and counts (a cache key for bench_build.py).
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = 3  # bump when the output for the same arguments changes

DEPARTMENTS = [
    "省发展改革委", "省科技厅", "人行太原中心支行", "省工业和信息化厅", "省财政厅", "省人力资源社会保障厅",
    "省教育厅", "省知识产权局", "省国资委", "省商务厅", "省市场监管局", "省税务局", "省自然资源厅",
    "省生态环境厅", "省住房城乡建设厅", "省交通运输厅", "省农业农村厅", "省水利厅", "省卫生健康委",
    "省文化和旅游厅", "省应急管理厅", "省地方金融监管局", "山西银保监局", "山西证监局", "省统计局",
    "省审批服务管理局", "省能源局", "省经信委", "省民政厅", "省司法厅", "省公安厅", "省外事办",
    "省国防科工办", "省编办", "省委组织部", "省委宣传部", "省大数据局", "太原海关", "省药监局", "省林草局",
]
PARAGRAPHS = ((1, 2, 3, 4), (0.50, 0.30, 0.15, 0.05))
SENTENCES = ((1, 2, 3, 4), (0.50, 0.30, 0.15, 0.05))
SENTENCE_CHARS = (12, 43)      # target length drawn uniformly; words overshoot it by ~1 on average
TITLE_CHARS = (6, 20)
MEASURES_PER_DOC = 100
CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")


def jieba_dict_path() -> Path:
    import jieba
    return Path(jieba.__file__).resolve().parent / "dict.txt"


class WordSource:
    """Dictionary words drawn by frequency, from one seeded generator, in buffered batches."""

    def __init__(self, rng: random.Random, path: Path | None = None):
        words, weights = [], []
        with open(path or jieba_dict_path(), encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and CJK_WORD.fullmatch(parts[0]) and parts[1].isdigit() and int(parts[1]) > 0:
                    words.append(parts[0])
                    weights.append(int(parts[1]))
        self.words = words
        self.cum = list(itertools.accumulate(weights))
        self.rng = rng
        self.buffer: list[str] = []

    def next(self) -> str:
        if not self.buffer:
            self.buffer = self.rng.choices(self.words, cum_weights=self.cum, k=4096)
            self.buffer.reverse()
        return self.buffer.pop()

    def text(self, low: int, high: int) -> str:
        """Words joined until at least a length drawn from [low, high]."""
        target = self.rng.randint(low, high)
        out, n = [], 0
        while n < target:
            w = self.next()
            out.append(w)
            n += len(w)
        return "".join(out)


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.words = WordSource(self.rng)
        dept_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(DEPARTMENTS))]
        self.dept_cum = list(itertools.accumulate(dept_weights))

    def _pick(self, spec):
        values, weights = spec
        return self.rng.choices(values, weights=weights, k=1)[0]

    def departments(self) -> list[str]:
        k = self.rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15), k=1)[0]
        out: list[str] = []
        while len(out) < k:
            d = DEPARTMENTS[bisect.bisect_left(self.dept_cum, self.rng.random() * self.dept_cum[-1])]
            if d not in out:
                out.append(d)
        return out

    def title(self) -> str:
        return self.words.text(*TITLE_CHARS)[:TITLE_CHARS[1]]

    def paragraph(self, sentences: int) -> list[str]:
        out = []
        for i in range(sentences):
            body = self.words.text(SENTENCE_CHARS[0] - 1, SENTENCE_CHARS[1] - 1)
            last = i == sentences - 1
            out.append(body + ("。" if last or self.rng.random() < 0.7 else "；"))
        return out

    def measure(self, budget: int | None = None) -> tuple[str, list[list[str]], list[str]]:
        """(title, paragraphs as lists of sentences, departments); at most `budget` sentences."""
        title = self.title()
        paragraphs = []
        for _ in range(self._pick(PARAGRAPHS)):
            paragraphs.append(self.paragraph(self._pick(SENTENCES)))
        if budget is not None:
            kept, left = [], budget
            for p in paragraphs:
                if left <= 0:
                    break
                kept.append(p[:left])
                left -= len(kept[-1])
            paragraphs = kept
        return title, paragraphs, self.departments()


def format_measure(no: int, title: str, paragraphs: list[list[str]], departments: list[str]) -> str:
    texts = ["".join(p) for p in paragraphs]
    content = texts[0] if len(texts) == 1 else " ".join(f"<p>{t}</p>" for t in texts)
    return f"{no}\t{title}\t{content}\t{'、'.join(departments)}"


def doc_header(index: int) -> str:
    year = 2015 + index % 9
    return (f"山西省合成政策措施清单第{index}号\n"
            f"晋政办发〔{year}〕{index}号\n"
            f"{year}年{1 + index % 12}月{1 + index % 28}日\n\n"
            "序号\t改革举措\t主要内容\t责任部门\n")


def generate(out: Path, measures: int | None = None, clauses: int | None = None, docs: int | None = None,
             seed: int = 20240601, resources: Path | None = None, quiet: bool = False) -> dict:
    if (measures is None) == (clauses is None):
        raise ValueError("give exactly one of measures or clauses")
    gen = Generator(seed)
    rows: list[tuple[str, list[list[str]], list[str]]] = []
    n_clauses = 0
    while (len(rows) < measures) if measures is not None else (n_clauses < clauses):
        budget = None if clauses is None else clauses - n_clauses
        title, paragraphs, depts = gen.measure(budget)
        rows.append((title, paragraphs, depts))
        n_clauses += sum(len(p) for p in paragraphs)
    n_docs = docs or max(1, math.ceil(len(rows) / MEASURES_PER_DOC))
    n_docs = min(n_docs, len(rows))

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("doc-*.txt"):
        old.unlink()
    per_doc = math.ceil(len(rows) / n_docs)
    chars = 0
    written = 0
    for d in range(n_docs):
        chunk = rows[d * per_doc:(d + 1) * per_doc]
        if not chunk:
            break
        lines = [doc_header(d + 1)]
        for no, (title, paragraphs, depts) in enumerate(chunk, 1):
            lines.append(format_measure(no, title, paragraphs, depts) + "\n")
            chars += sum(len(s) for p in paragraphs for s in p)
        (out / f"doc-{d + 1:04d}.txt").write_text("".join(lines), encoding="utf-8")
        written += 1
    resources = resources or REPO / "corpus"
    for name in ("userdict.txt", "synonyms.txt"):
        if (resources / name).is_file():
            shutil.copyfile(resources / name, out / name)
    info = {"generator": GENERATOR_VERSION, "seed": seed, "requested_measures": measures,
            "requested_clauses": clauses, "requested_docs": docs, "measures": len(rows), "clauses": n_clauses,
            "characters": chars, "docs": written, "chars_per_clause": round(chars / max(n_clauses, 1), 2),
            "clauses_per_measure": round(n_clauses / max(len(rows), 1), 3)}
    (out / "corpus.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    if not quiet:
        print(json.dumps(info, ensure_ascii=False))
    return info


def cached(out: Path, measures=None, clauses=None, docs=None, seed=20240601) -> dict:
    """generate() unless `out` already holds exactly this corpus (by its corpus.json)."""
    info_path = out / "corpus.json"
    if info_path.is_file():
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if (info.get("generator") == GENERATOR_VERSION and info.get("seed") == seed
                and info.get("requested_measures") == measures and info.get("requested_clauses") == clauses
                and info.get("requested_docs") == docs and len(list(out.glob("doc-*.txt"))) == info["docs"]):
            return info
    return generate(out, measures=measures, clauses=clauses, docs=docs, seed=seed, quiet=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--measures", type=int, help="number of measures (rows)")
    size.add_argument("--clauses", type=int, help="stop at exactly this many clauses instead")
    ap.add_argument("--docs", type=int, default=None,
                    help=f"number of document files (default: one per {MEASURES_PER_DOC} measures)")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", type=Path, required=True, help="output folder (doc-*.txt files are replaced)")
    args = ap.parse_args(argv)
    generate(args.out, measures=args.measures, clauses=args.clauses, docs=args.docs, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
