"""Dictionaries the analyzer and the query side need: user words, stop words, synonyms, question words."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from .analysis import load_words, make_analyzer, parse_userdict


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
    return {"groups": groups, "broader": broader}


def corpus_analyzer(corpus_root):
    return make_analyzer(userwords(corpus_root), stopwords())
