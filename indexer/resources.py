"""Dictionaries the analyzer and the query side need: user words, stop words, synonyms, question words."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .engine.analysis import load_words, make_analyzer, parse_userdict
from .model import CorpusError


def package_words(name: str) -> tuple[str, ...]:
    with resources.as_file(resources.files("indexer") / "data" / name) as path:
        return load_words(path)


def stopwords() -> tuple[str, ...]:
    return package_words("stopwords.txt")


def question_words() -> tuple[str, ...]:
    return package_words("question_words.txt")


def userwords(corpus_root) -> tuple:
    path = Path(corpus_root) / "userdict.txt"
    return parse_userdict(path.read_text(encoding="utf-8-sig")) if path.is_file() else ()


def synonym_groups(corpus_root) -> dict:
    """corpus/synonyms.txt: `a b c` is a group of equivalents; `a b => c` makes c a broader term
    that a query for a or b also reaches when it relaxes. {"groups": [...], "broader": [[narrow, broad]]}"""
    path = Path(corpus_root) / "synonyms.txt"
    groups, broader = [], []
    if path.is_file():
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            line = line.split("#", 1)[0]
            if "=>" in line:
                narrow, broad = (part.split() for part in line.split("=>", 1))
                if narrow and broad:
                    broader.append([narrow, broad])
            elif len(terms := line.split()) > 1:
                groups.append(terms)
    return {"groups": groups, "broader": broader, "lay": lay_terms(corpus_root)}


def lay_terms(corpus_root) -> list[list]:
    """corpus/lay_terms.txt: `everyday word => statutory term …`, one-way. [[word, [terms]], …]"""
    path = Path(corpus_root) / "lay_terms.txt"
    if not path.is_file():
        return []
    return parse_lay_terms(path.read_text(encoding="utf-8-sig"), str(path))


def parse_lay_terms(text: str, name: str = "lay_terms.txt") -> list[list]:
    out: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        left, arrow, right = line.partition("=>")
        words, terms = left.split(), right.split()
        if not arrow or len(words) != 1 or not terms:
            raise CorpusError(name, number, f"expected `everyday word => statutory term …`, got {line!r}")
        found = out.setdefault(words[0], [])
        found += [t for t in terms if t != words[0] and t not in found]
    return [[word, terms] for word, terms in out.items()]


def learned_terms() -> list[list]:
    """indexer/data/learned_terms.tsv (benchmarks/stard/learn_terms.py): word, term, weight a line."""
    out = []
    override = os.environ.get("POLICY_SEARCH_LEARNED_TERMS")   # another learned file (cross-validation)
    lines = load_words(override) if override else package_words("learned_terms.tsv")
    for line in lines:
        word, term, weight = line.split("\t")
        out.append([word, term, float(weight)])
    return out


def asked_words() -> list[tuple[str, str, list[tuple[str, int]]]]:
    """indexer/data/asked_words.tsv (benchmarks/stard/learn_terms.py --asked-out): what readers asked
    each article. POLICY_SEARCH_ASKED_WORDS names another file (cross-validation)."""
    override = os.environ.get("POLICY_SEARCH_ASKED_WORDS")
    if override:
        return parse_asked_words(Path(override).read_text(encoding="utf-8-sig"), override)
    with resources.as_file(resources.files("indexer") / "data" / "asked_words.tsv") as path:
        return parse_asked_words(path.read_text(encoding="utf-8-sig"), str(path))


def parse_asked_words(text: str, name: str = "asked_words.tsv") -> list[tuple[str, str, list[tuple[str, int]]]]:
    """`title ⇥ article ⇥ word:count …` a line (# comments) → [(title, article, [(word, count)])]."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        items = [item.rpartition(":") for item in parts[2].split()] if len(parts) == 3 else []
        if len(parts) != 3 or not parts[0] or not parts[1] or not items \
                or not all(w and c.isdigit() for w, _, c in items):
            raise CorpusError(name, number, f"expected `title<TAB>article<TAB>word:count …`, got {line!r}")
        out.append((parts[0], parts[1], [(w, int(c)) for w, _, c in items]))
    return out


def corpus_analyzer(corpus_root):
    return make_analyzer(userwords(corpus_root), stopwords())
