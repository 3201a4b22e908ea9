"""The one analyzer, used to index and to query: normalise → jieba words → sub-words → stop words.

    analyzer = JiebaTokenizer(userwords) | SubwordFilter() | StopFilter(stoplist, minsize=1, renumber=False)

Positions count jieba's precise-mode words; the dictionary sub-words of a word (search mode:
专利权 → 专利, 利权) share that word's position and carry `subword=True`, so phrase queries over
precise words work and sub-word queries still match. Offsets point into the original text.
The analyzer is pickled into the index schema: it carries its user dictionary and loads it into
jieba in whatever process unpickles it.
"""
from __future__ import annotations

import hashlib
import re
import threading

import jieba
from whoosh.analysis import Filter, StopFilter, Token, Tokenizer

from .normalize import Normalizer

# Document numbers are kept as one token: 晋政办发〔2018〕12号 (brackets unified to 〔〕). The issuer's
# abbreviation before the bracket is 1-8 characters and starts after a verb or function word that
# cites it (按照晋政办发〔2018〕12号 → 按照 + the number).
DOC_NUMBER_RE = re.compile(r"([\u4e00-\u9fff]{1,8})[〔\[(（［]\s*(\d{4})\s*[〕\])）］]\s*(\d+)\s*号")
CITING_RE = re.compile(r"^.*(?:按照|根据|依据|依照|参照|执行|印发|落实|贯彻|详见|转发|下发|关于|见|按|据|和|与|及|的|在|于|对|经|以|为|将|由)")
WORDLIKE_RE = re.compile(r"\w", re.UNICODE)

_jieba_lock = threading.Lock()
_loaded_dicts: set[str] = set()


def parse_userdict(text: str) -> tuple[tuple[str, int | None, str | None], ...]:
    """jieba's user-dictionary format: `word [freq] [tag]` a line; # starts a comment."""
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        words.append((parts[0], freq, tag))
    return tuple(words)


def ensure_jieba(userwords=()) -> None:
    """Initialise jieba once per process and add these user words once per process."""
    key = hashlib.sha1(repr(userwords).encode()).hexdigest()
    if key in _loaded_dicts:
        return
    with _jieba_lock:
        if key in _loaded_dicts:
            return
        jieba.setLogLevel(60)
        jieba.initialize()
        for word, freq, tag in userwords:
            jieba.add_word(word, freq, tag)
        _loaded_dicts.add(key)


class JiebaTokenizer(Tokenizer):
    """Normalised text → jieba precise-mode words, one position each, punctuation dropped."""

    def __init__(self, userwords=(), normalizer=None, hmm=True):
        self.userwords = tuple(userwords)
        self.normalizer = normalizer or Normalizer()
        self.hmm = hmm

    CACHE_TEXT_LENGTH = 120   # titles, departments, chapters repeat on every clause: segment them once
    CACHE_SIZE = 20000

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_ready")}

    def words(self, text: str):
        """segment() as a list, cached for short texts."""
        if len(text) > self.CACHE_TEXT_LENGTH:
            return list(self.segment(text))
        cache = self.__dict__.setdefault("_cache", {})
        found = cache.get(text)
        if found is None:
            if len(cache) >= self.CACHE_SIZE:
                cache.clear()
            found = cache[text] = list(self.segment(text))
        return found

    def __eq__(self, other):
        return (isinstance(other, JiebaTokenizer) and self.userwords == other.userwords
                and self.normalizer == other.normalizer and self.hmm == other.hmm)

    def segment(self, text: str):
        """(word, start, end) for the words of normalised text; document numbers stay whole."""
        if not self.__dict__.get("_ready"):
            ensure_jieba(self.userwords)
            self._ready = True
        pos = 0
        for m in DOC_NUMBER_RE.finditer(text):
            cited = CITING_RE.match(m[1])
            issuer = m[1][cited.end():] if cited else m[1]
            if not issuer:
                continue
            start = m.start() + len(m[1]) - len(issuer)
            yield from self._jieba(text[pos:start], pos)
            yield f"{issuer}〔{m[2]}〕{m[3]}号", start, m.end()
            pos = m.end()
        yield from self._jieba(text[pos:], pos)

    def _jieba(self, text, offset):
        if text:
            for word, start, end in jieba.tokenize(text, mode="default", HMM=self.hmm):
                yield word, start + offset, end + offset

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            value = self.normalizer(value)
            t.original = t.text = value
            t.boost, t.stopped, t.subword = 1.0, False, False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for word, start, end in self.words(self.normalizer(value)):
            if not WORDLIKE_RE.search(word):
                pos += 1 if word.strip() else 0  # punctuation breaks phrases; spaces do not
                continue
            t.text = word
            t.boost, t.stopped, t.subword = 1.0, False, False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            pos += 1
            yield t


MAX_SUBWORD = 6


class SubwordFilter(Filter):
    """Adds the dictionary sub-words of longer words (jieba's search mode) at the word's position."""

    def __eq__(self, other):
        return isinstance(other, SubwordFilter)

    def __getstate__(self):
        return {}

    def subwords(self, word: str) -> list[tuple[str, int]]:
        """(sub-word, offset in word): the dictionary words strictly inside a longer word.

        jieba's search mode stops at three characters; going on to MAX_SUBWORD lets 知识产权 be
        found inside the compound 知识产权质押."""
        cache = self.__dict__.setdefault("_cache", {})
        found = cache.get(word)
        if found is None:
            freq = jieba.dt.FREQ
            found = [(word[i:i + n], i) for n in range(2, min(len(word), MAX_SUBWORD + 1))
                     for i in range(len(word) - n + 1) if freq.get(word[i:i + n])]
            if len(cache) > 200000:
                cache.clear()
            cache[word] = found
        return found

    def __call__(self, tokens):
        for t in tokens:
            word = t.text
            yield t
            if len(word) <= 2 or t.mode == "phrase":
                continue
            chars = getattr(t, "chars", False)
            start = t.startchar if chars else 0
            for gram, i in self.subwords(word):
                t.text, t.subword = gram, True
                if chars:
                    t.startchar, t.endchar = start + i, start + i + len(gram)
                yield t
            t.text, t.subword = word, False
            if chars:
                t.startchar, t.endchar = start, start + len(word)


def load_words(path) -> tuple[str, ...]:
    """A word list file (one a line, # comments) as a tuple."""
    words = []
    for line in open(path, encoding="utf-8-sig"):
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return tuple(words)


def make_analyzer(userwords=(), stopwords=()):
    """The shared analyzer; see the module docstring."""
    return (JiebaTokenizer(userwords) | SubwordFilter()
            | StopFilter(stoplist=frozenset(stopwords), minsize=1, renumber=False))


def analyze(analyzer, text: str, mode: str = "query", chars: bool = False):
    """(text, pos, startchar, endchar, subword) tuples; a convenience for query building and highlighting."""
    return [(t.text, t.pos, t.startchar if chars else None, t.endchar if chars else None, t.subword)
            for t in analyzer(text, positions=True, chars=chars, mode=mode)]
