"""Did you mean: a query with no or very few articles holding all its words (partial matches do not
count), one of whose words the collection never uses, is offered the query with that word replaced
by a frequent word of the same length that differs from it in one character (专利质压 → 专利质押,
安全声产 → 安全生产) — the candidate whose corrected query finds the most articles holding all its words."""
from __future__ import annotations

import re

FEW_HITS = 2        # a query finding at most this many articles is offered a correction
MIN_FREQUENCY = 2   # a correction is a word at least this many clauses use
CANDIDATES = 5      # the most frequent candidates tried (each costs a search of the corrected query)
COUNTED = 20        # a candidate's worth: how many of its corrected query's first this many hits hold every word
_CJK = re.compile(r"[\u4e00-\u9fff]{2,4}")
_FIELD = re.compile(r"^-?[^\s:：\"]+[:：]")


class Lexicon:
    """The index's frequent words of 2–4 Chinese characters, each under its length with one
    character blanked out (专利质? → 专利质押), most frequent first."""

    def __init__(self, reader):
        self.frequency: dict[str, int] = {}
        self.by_pattern: dict[str, list[str]] = {}
        for btext, info in reader.iter_field("text"):
            word = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            df = info.doc_frequency()
            if df >= MIN_FREQUENCY and _CJK.fullmatch(word):
                self.frequency[word] = df
                for i in range(len(word)):
                    self.by_pattern.setdefault(_blank(word, i), []).append(word)
        for words in self.by_pattern.values():
            words.sort(key=lambda w: (-self.frequency[w], w))

    def near(self, word: str) -> list[str]:
        """Frequent words of the same length, one character different, most frequent first."""
        found = {w for i in range(len(word)) for w in self.by_pattern.get(_blank(word, i), ()) if w != word}
        return sorted(found, key=lambda w: (-self.frequency[w], w))[:CANDIDATES]


def _blank(word: str, i: int) -> str:
    return word[:i] + "?" + word[i + 1:]


def did_you_mean(lexicon: Lexicon, analyzer, q: str, total: int, count) -> str | None:
    """total: how many articles hold all the query's words (partial matches aside)."""
    """The corrected query, or None; count(query) → how many articles hold all its words (partial
    matches do not count: 经济补贴 pads with articles holding only 经济, 经济补偿 holds both)."""
    if total > FEW_HITS:
        return None
    best, best_total = None, total
    for start, end, word in _unknown_words(lexicon, analyzer, q):
        for candidate in lexicon.near(word):
            corrected = q[:start] + candidate + q[end:]
            found = count(corrected)
            if found > best_total:
                best, best_total = corrected, found
    return best


def _unknown_words(lexicon, analyzer, q):
    """(start, end, word) of the query's Chinese words the collection does not use, outside
    filters (部门:…) and phrases."""
    offset = 0
    for token in q.split():
        start = q.index(token, offset)
        offset = start + len(token)
        if _FIELD.match(token) or '"' in token or token.upper() in ("OR", "NOT", "AND"):
            continue
        for t in analyzer(token, mode="query", chars=True):
            word = token[t.startchar:t.endchar]
            if _CJK.fullmatch(word) and word not in lexicon.frequency and t.text == word:
                yield start + t.startchar, start + t.endchar, word
