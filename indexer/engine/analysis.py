"""The one analyzer, used to index and to query: normalise → jieba words → sub-words → stop words.

    analyzer = JiebaTokenizer(userwords) | SubwordFilter() | StopFilter(stoplist, minsize=1, renumber=False)

Positions count jieba's precise-mode words; the dictionary sub-words of a word (search mode:
专利权 → 专利, 利权) share that word's position and carry `subword=True`, so phrase queries over
precise words work and sub-word queries still match. Offsets point into the original text.
The analyzer is pickled into the index schema: it carries its user dictionary, and in whatever
process unpickles it makes its own jieba Tokenizer from it (jieba_tokenizer): each index generation
segments with its own dictionary, never with jieba's global one, so a server that follows a rebuild
segments as a fresh process does.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
import tempfile
import threading
import weakref

import jieba
from whoosh.analysis import Filter, StopFilter, Token, Tokenizer

from ..doc_numbers import DOC_NUMBER_RE, ISSUER_WINDOW
from ..normalize import Normalizer

# Document numbers are kept as one token: 晋政办发〔2018〕12号 (brackets unified to 〔〕), the issuer
# started after a verb or function word that cites it (indexer/doc_numbers.py).
CITING_RE = re.compile(r"^.*(?:按照|根据|依据|依照|参照|执行|印发|落实|贯彻|详见|转发|下发|关于"
                       r"|见|按|据|和|与|及|的|在|于|对|经|以|为|将|由)")
WORDLIKE_RE = re.compile(r"\w", re.UNICODE)
_JIEBA_BLOCK = re.compile(jieba.re_han_default.pattern)   # what jieba.cut segments as one block

_base_lock = threading.Lock()
_BASE: tuple[dict, int] | None = None     # jieba's main dictionary (FREQ, total), never changed
_tokenizers: weakref.WeakValueDictionary = weakref.WeakValueDictionary()   # user words' key → tokenizer
_tokenizers_lock = threading.Lock()


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


def _dictionary_cache_path() -> str | None:
    """Where the fast copy of jieba's main dictionary lives, named after what it was built from.

    jieba's own cache (`jieba.cache` in the temp folder) is a marshalled dict: loading it takes
    ~0.9 s, most of a one-document update. The same dictionary marshalled as two flat tuples
    (words, frequencies) loads in ~0.25 s. Marshal, not pickle: loading it runs no code."""
    try:
        dict_file = os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)
        st = os.stat(dict_file)
    except (OSError, AttributeError, TypeError):
        return None
    key = hashlib.sha1(repr((jieba.__version__, os.path.abspath(dict_file), st.st_size, st.st_mtime_ns,
                             sys.version_info[:2], marshal.version)).encode()).hexdigest()[:16]
    folder = tempfile.gettempdir()
    return os.path.join(folder, f"policy-search-jieba-{os.getuid() if hasattr(os, 'getuid') else 0}-{key}.cache")


def _load_dictionary_cache(path: str) -> tuple[dict, int] | None:
    """(FREQ, total) from our cache file; None when absent or not ours."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return None     # only a file this user wrote and nobody else can change
            words, freqs, total = marshal.loads(fh.read())   # load(fh) reads object by object: 3x slower
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(words, tuple) and isinstance(freqs, tuple) and len(words) == len(freqs)
            and isinstance(total, int) and words and isinstance(words[0], str)):
        return None
    return dict(zip(words, freqs)), total


def _save_dictionary_cache(path: str, freq: dict, total: int) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".policy-search-jieba-")
        try:
            with os.fdopen(fd, "wb") as fh:
                marshal.dump((tuple(freq), tuple(freq.values()), total), fh)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass            # a read-only temp folder: the next process loads jieba's own cache again


def _load_base() -> tuple[dict, int]:
    """jieba's main dictionary as jieba.initialize() builds it, from the fast cache when there is
    one (writing it when not)."""
    path = _dictionary_cache_path()
    found = _load_dictionary_cache(path) if path else None
    if found is not None:
        return found
    own = jieba.Tokenizer()
    own.initialize()
    if path:
        _save_dictionary_cache(path, own.FREQ, own.total)
    return own.FREQ, own.total


def initialize_jieba() -> tuple[dict, int]:
    """jieba's main dictionary (FREQ, total) before any user word, loaded once per process and
    never changed: every generation's tokenizer starts from a copy of it."""
    global _BASE
    if _BASE is None:
        with _base_lock:
            if _BASE is None:
                _BASE = _load_base()
    return _BASE


def jieba_tokenizer(userwords=()) -> jieba.Tokenizer:
    """A jieba Tokenizer of its own for these user words: jieba's main dictionary plus exactly
    them, as a fresh process builds it, never jieba's global dictionary (which only grows).

    One per set of user words while an analyzer holds it (an index generation's, or a build's):
    a rebuild whose userdict.txt dropped a word gets a tokenizer without it. (A user word of
    frequency 0 is jieba's del_word, which also marks it in jieba's process-wide HMM splitting;
    corpus/userdict.txt has none.)"""
    key = hashlib.sha1(repr(tuple(userwords)).encode()).hexdigest()
    found = _tokenizers.get(key)
    if found is not None:
        return found
    freq, total = initialize_jieba()
    with _tokenizers_lock:
        found = _tokenizers.get(key)
        if found is None:
            found = jieba.Tokenizer()
            found.FREQ, found.total, found.initialized = dict(freq), total, True
            for word, count, tag in userwords:
                found.add_word(word, count, tag)
            _tokenizers[key] = found
    return found


class JiebaTokenizer(Tokenizer):
    """Normalised text → jieba precise-mode words, one position each, punctuation dropped."""

    def __init__(self, userwords=(), normalizer=None, hmm=True):
        self.userwords = tuple(userwords)
        self.normalizer = normalizer or Normalizer()
        self.hmm = hmm

    CACHE_TEXT_LENGTH = 120   # titles, departments, chapters repeat on every clause: segment them once
    CACHE_SIZE = 20000

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_blocks", "_dt")}

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

    def words_holding(self, text: str, terms) -> list:
        """The words of text that can be one of terms: only jieba's blocks (runs of Han letters and
        digits) holding a term are segmented; jieba segments each block on its own, so their
        words are the ones words() gives. Falls back to words() where that is not so certain (a
        document number, a term outside the blocks' letters) or already cached."""
        cached = self.__dict__.get("_cache", {}).get(text)
        if cached is not None or DOC_NUMBER_RE.search(text) or not all(_JIEBA_BLOCK.fullmatch(t) for t in terms):
            return cached if cached is not None else self.words(text)
        self.ready()
        blocks = self.__dict__.setdefault("_blocks", {})   # block → its words, as the whole-text cache
        found: list[tuple[str, int, int]] = []
        for m in _JIEBA_BLOCK.finditer(text):
            block = m.group()
            if any(t in block for t in terms):
                words = blocks.get(block)
                if words is None:
                    if len(blocks) >= self.CACHE_SIZE:
                        blocks.clear()
                    words = blocks[block] = list(self._jieba(block, 0))
                offset = m.start()
                found.extend((w, start + offset, end + offset) for w, start, end in words)
        return found

    def ready(self) -> jieba.Tokenizer:
        """This analyzer's own jieba tokenizer (jieba_tokenizer(userwords)), made on first use:
        before segmenting, and before the sub-word filter reads its dictionary."""
        dt = self.__dict__.get("_dt")
        if dt is None:
            dt = self._dt = jieba_tokenizer(self.userwords)
        return dt

    def dictionary(self) -> dict:
        """word → frequency of this analyzer's jieba dictionary (main dictionary + user words)."""
        return self.ready().FREQ

    def pieces(self, word: str) -> list[str]:
        """jieba.cut(word, HMM=False) with this analyzer's dictionary: the dictionary pieces of a
        word the index does not hold whole."""
        return [p for p in self.ready().cut(word, HMM=False) if p.strip()]

    def __eq__(self, other):
        return (isinstance(other, JiebaTokenizer) and self.userwords == other.userwords
                and self.normalizer == other.normalizer and self.hmm == other.hmm)

    def segment(self, text: str):
        """(word, start, end) for the words of normalised text; document numbers stay whole."""
        self.ready()
        pos = 0
        for m in DOC_NUMBER_RE.finditer(text):
            window = m["issuer"][-ISSUER_WINDOW:]
            cited = CITING_RE.match(window)
            issuer = window[cited.end():] if cited else window
            if not issuer:
                continue
            start = m.end("issuer") - len(issuer)
            yield from self._jieba(text[pos:start], pos)
            yield f"{issuer}〔{m['year']}〕{m['number']}号", start, m.end()
            pos = m.end()
        yield from self._jieba(text[pos:], pos)

    def _jieba(self, text, offset):
        if text:
            for word, start, end in self.ready().tokenize(text, mode="default", HMM=self.hmm):
                yield word, start + offset, end + offset

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.dictionary = self.dictionary()      # for the sub-word filter after this tokenizer
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

    def subwords(self, word: str, freq: dict) -> list[tuple[str, int]]:
        """(sub-word, offset in word): the words of jieba dictionary `freq` (the tokenizer's, see
        JiebaTokenizer.dictionary) strictly inside a longer word.

        jieba's search mode stops at three characters; going on to MAX_SUBWORD lets 知识产权 be
        found inside the compound 知识产权质押."""
        if self.__dict__.get("_freq") is not freq:    # (an analyzer's filter sees one dictionary)
            self._freq = freq
            self._cache: dict[str, list[tuple[str, int]]] = {}
        cache = self._cache
        found = cache.get(word)
        if found is None:
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
            for gram, i in self.subwords(word, t.dictionary):
                t.text, t.subword = gram, True
                if chars:
                    t.startchar, t.endchar = start + i, start + i + len(gram)
                yield t
            t.text, t.subword = word, False
            if chars:
                t.startchar, t.endchar = start, start + len(word)


def prepare(analyzer) -> None:
    """Make the analyzer's jieba tokenizer now (a parent does this before forking workers, so
    they share one copy of the dictionary instead of loading one each)."""
    for item in getattr(analyzer, "items", [analyzer]):
        if isinstance(item, JiebaTokenizer):
            item.ready()


def _fused_parts(analyzer):
    """(tokenizer, sub-word filter, stop words, min and max size) of make_analyzer()'s chain, or
    None for any other analyzer: the fused paths below repeat exactly that chain's steps."""
    items = getattr(analyzer, "items", None)
    if not (items and len(items) == 3 and type(items[0]) is JiebaTokenizer and type(items[1]) is SubwordFilter
            and type(items[2]) is StopFilter and not items[2].renumber):
        return None
    tokenizer, subwords, stop = items
    return tokenizer, subwords, stop.stops, stop.min, stop.max


def index_positions(analyzer, value: str, start_pos: int = 0, cuts: list | None = None):
    """{term: [positions]} of `value` as analyzer(value, positions=True, mode="index") yields its
    unstopped tokens, in token order; None when the analyzer is not make_analyzer()'s chain.
    Given a list as `cuts`, appends the text's word_cuts() to it (the same segmentation, kept for
    highlighting).

    Indexing only needs each token's text and position: this runs the same steps (normalise,
    segment with the tokenizer's cache, punctuation gaps, sub-words at their word's position, stop
    words dropped) without passing a Token object through three generators for every word.
    Tests compare the two on the corpus and on random text."""
    parts = _fused_parts(analyzer)
    if parts is None:
        return None
    tokenizer, subwords, stops, minsize, maxsize = parts
    poses: dict[str, list[int]] = {}
    pos = start_pos
    text = tokenizer.normalizer(value)
    words = tokenizer.words(text)
    freq = tokenizer.dictionary()
    if cuts is not None:
        cuts.append(word_cuts(text, words))
    for word, _start, _end in words:
        if not WORDLIKE_RE.search(word):
            pos += 1 if word.strip() else 0
            continue
        if len(word) >= minsize and (maxsize is None or len(word) <= maxsize) and word not in stops:
            found = poses.get(word)
            if found is None:
                poses[word] = [pos]
            else:
                found.append(pos)
        if len(word) > 2:
            for gram, _i in subwords.subwords(word, freq):
                if len(gram) >= minsize and (maxsize is None or len(gram) <= maxsize) and gram not in stops:
                    found = poses.get(gram)
                    if found is None:
                        poses[gram] = [pos]
                    else:
                        found.append(pos)
        pos += 1
    return poses


def word_cuts(text: str, words) -> str | None:
    """The segmentation of normalised text as a string, one character a word giving its length
    (stored with each clause, so highlighting need not segment it again); None where a word is
    not the text it covers (a document number written with other brackets or spaces)."""
    lengths, at = [], 0
    for word, start, end in words:
        if start != at or not 0 < end - start < 0xD800 or text[start:end] != word:
            return None
        lengths.append(chr(end - start))
        at = end
    return "".join(lengths) if at == len(text) else None


def text_cuts(analyzer, value: str) -> str | None:
    """word_cuts() of a text as the analyzer segments it; None for another analyzer."""
    parts = _fused_parts(analyzer)
    if parts is None:
        return None
    tokenizer = parts[0]
    text = tokenizer.normalizer(value)
    return word_cuts(text, tokenizer.words(text))


def cut_words(text: str, cuts: str) -> list[tuple[str, int, int]] | None:
    """word_cuts() undone: (word, start, end) of normalised text; None if they do not fit it."""
    words, start = [], 0
    for c in cuts:
        end = start + ord(c)
        words.append((text[start:end], start, end))
        start = end
    return words if start == len(text) else None


def index_spans(analyzer, value: str, terms=None, cuts: str | None = None):
    """[(term, startchar, endchar)] of the analyzer's unstopped index-mode tokens of `value`, in
    token order, or None for another analyzer: index_positions' fused path, for highlighting,
    which needs characters instead of positions. Given the terms looked for, tokens that cannot
    be one of them may be left out (only text blocks holding a term are segmented). Given the
    text's word_cuts() from the index, nothing is segmented. Tests compare it with the analyzer."""
    parts = _fused_parts(analyzer)
    if parts is None:
        return None
    tokenizer, subwords, stops, minsize, maxsize = parts
    spans = []
    text = tokenizer.normalizer(value)
    words = cut_words(text, cuts) if cuts is not None else None
    if words is None:
        words = tokenizer.words(text) if terms is None else tokenizer.words_holding(text, terms)
    freq = tokenizer.dictionary()   # (with stored cuts nothing is segmented; sub-words still need it)
    for word, start, end in words:
        if terms is not None and len(word) <= 2 and word not in terms:
            continue   # neither it nor a sub-word of it can be looked for
        if not WORDLIKE_RE.search(word):
            continue
        if len(word) >= minsize and (maxsize is None or len(word) <= maxsize) and word not in stops:
            spans.append((word, start, end))
        if len(word) > 2:
            for gram, i in subwords.subwords(word, freq):
                if len(gram) >= minsize and (maxsize is None or len(gram) <= maxsize) and gram not in stops:
                    spans.append((gram, start + i, start + i + len(gram)))
    return spans


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


# An index's schema pickles its analyzer by module and class name (the TOC, the on-disk format):
# these keep the module name they had when that format was set, which indexer/analysis/ still is.
PICKLED_MODULE = "indexer.analysis"
for _cls in (JiebaTokenizer, SubwordFilter):
    _cls.__module__ = PICKLED_MODULE
del _cls
