"""jieba's hottest functions, computed exactly as jieba 0.42.1 computes them, with less work a character.

Segmenting is most of a build. For jieba 0.42.1 only (the version these are copied from;
`indexer.engine.install()` checks it), `install()` sets on jieba's Tokenizer class, so every
tokenizer (each index generation's own too) uses them:

- `cut_dag` for `Tokenizer.__cut_DAG` (precise mode with HMM, what the analyzer uses): the word
  graph and the best route in one pass, each candidate's frequency looked up once instead of
  again when the route is scored, no route dictionary or tuple a candidate;
- `get_dag` and `calc` for `Tokenizer.get_DAG` and `Tokenizer.calc` (what jieba's other modes
  call): the same word graph from `word_candidates`, no max() over a single candidate;
- `viterbi` for `finalseg.viterbi` (the HMM for runs of unknown single characters): the four
  states unrolled, back-pointers instead of a copied path per state and step.

Same lookups, same floating-point expressions in the same order, same tie-breaking, so the same
words: tests/engine/test_jieba_speedups.py compares them with jieba's own on the corpus and on
random text. `jieba_own()` puts jieba's own functions back for a while (tests, benchmarks).
"""
from __future__ import annotations

from contextlib import contextmanager
from math import log

import jieba
from jieba import finalseg

__all__ = ["word_candidates", "cut_dag", "get_dag", "calc", "viterbi", "install", "installed", "jieba_own"]

_CUT_DAG = "_Tokenizer__cut_DAG"
MIN_FLOAT = finalseg.MIN_FLOAT


def word_candidates(self, sentence) -> list[list[tuple[int, int]]]:
    """[(end, frequency)] of the dictionary words starting at each position (get_DAG's ends, each
    with the frequency calc would look up again); a lone character that is no word: [(k, 1)]."""
    self.check_initialized()
    get = self.FREQ.get
    n = len(sentence)
    candidates: list[list[tuple[int, int]]] = []
    for k in range(n):
        found: list[tuple[int, int]] = []
        i = k
        frag = sentence[k]
        while True:
            freq = get(frag)
            if freq is None:
                break
            if freq:
                found.append((i, freq))
            i += 1
            if i >= n:
                break
            frag = sentence[k:i + 1]
        candidates.append(found or [(k, 1)])
    return candidates


def get_dag(self, sentence):
    return {k: [end for end, _ in found] for k, found in enumerate(word_candidates(self, sentence))}


def calc(self, sentence, dag, route):
    n = len(sentence)
    route[n] = (0, 0)
    logtotal = log(self.total)
    get = self.FREQ.get
    for idx in range(n - 1, -1, -1):
        ends = dag[idx]
        if len(ends) == 1:
            x = ends[0]
            route[idx] = (log(get(sentence[idx:x + 1]) or 1) - logtotal + route[x + 1][0], x)
        else:
            route[idx] = max((log(get(sentence[idx:x + 1]) or 1) - logtotal + route[x + 1][0], x) for x in ends)


def cut_dag(self, sentence):
    """Tokenizer.__cut_DAG: the words of one block of Han letters and digits, unknown runs of
    single characters through the HMM."""
    candidates = word_candidates(self, sentence)
    get = self.FREQ.get
    n = len(sentence)
    logtotal = log(self.total)
    # calc: best[idx] = the route's score from idx on, nxt[idx] = the end of its first word;
    # max() over (score, end) tuples picks the larger end on equal scores
    best = [0.0] * (n + 1)
    nxt = [0] * n
    for idx in range(n - 1, -1, -1):
        found = candidates[idx]
        if len(found) == 1:
            x, freq = found[0]
            best[idx] = log(freq) - logtotal + best[x + 1]
            nxt[idx] = x
        else:
            top = end = None
            for x, freq in found:
                score = log(freq) - logtotal + best[x + 1]
                if top is None or score > top or (score == top and x > end):
                    top, end = score, x
            best[idx], nxt[idx] = top, end
    # __cut_DAG's walk: runs of single characters go to the HMM unless the run is a word
    x = 0
    buf = ""
    while x < n:
        y = nxt[x] + 1
        if y - x == 1:
            buf += sentence[x]
        else:
            if buf:
                yield from _single_run(buf, get)
                buf = ""
            yield sentence[x:y]
        x = y
    if buf:
        yield from _single_run(buf, get)


def _single_run(buf, get):
    if len(buf) == 1:
        yield buf
    elif not get(buf):
        yield from finalseg.cut(buf)
    else:
        yield from buf


def viterbi(obs, states, start_p, trans_p, emit_p):
    """finalseg.viterbi for its BMES model: (log probability, state of each character)."""
    if states != "BMES" or not obs:
        return _ORIGINAL["viterbi"](obs, states, start_p, trans_p, emit_p)
    low = MIN_FLOAT
    gB, gM, gE, gS = emit_p["B"].get, emit_p["M"].get, emit_p["E"].get, emit_p["S"].get
    tB, tM, tE, tS = trans_p["B"].get, trans_p["M"].get, trans_p["E"].get, trans_p["S"].get
    eb, sb = tE("B", low), tS("B", low)      # into B from E, S (finalseg.PrevStatus)
    mm, bm = tM("M", low), tB("M", low)      # into M from M, B
    ss, es = tS("S", low), tE("S", low)      # into S from S, E
    be, me = tB("E", low), tM("E", low)      # into E from B, M
    c = obs[0]
    vB, vM = start_p["B"] + gB(c, low), start_p["M"] + gM(c, low)
    vE, vS = start_p["E"] + gE(c, low), start_p["S"] + gS(c, low)
    back = []
    for t in range(1, len(obs)):
        c = obs[t]
        # max([(p, y0) for y0 in PrevStatus[y]]): the later candidate wins ties when its state
        # name is the larger one (B: E|S → S, M: M|B → M, S: S|E → S, E: B|M → M)
        em = gB(c, low)
        a, b = vE + eb + em, vS + sb + em
        nB, fB = (a, "E") if a > b else (b, "S")
        em = gM(c, low)
        a, b = vM + mm + em, vB + bm + em
        nM, fM = (b, "B") if b > a else (a, "M")
        em = gE(c, low)
        a, b = vB + be + em, vM + me + em
        nE, fE = (a, "B") if a > b else (b, "M")
        em = gS(c, low)
        a, b = vS + ss + em, vE + es + em
        nS, fS = (b, "E") if b > a else (a, "S")
        vB, vM, vE, vS = nB, nM, nE, nS
        back.append({"B": fB, "M": fM, "E": fE, "S": fS})
    prob, state = (vE, "E") if vE > vS else (vS, "S")
    path = [state]
    for step in reversed(back):
        state = step[state]
        path.append(state)
    path.reverse()
    return prob, path


def _current() -> dict:
    return {"get_DAG": jieba.Tokenizer.get_DAG, "calc": jieba.Tokenizer.calc,
            _CUT_DAG: getattr(jieba.Tokenizer, _CUT_DAG), "viterbi": finalseg.viterbi}


_ORIGINAL = _current()
_OURS = {"get_DAG": get_dag, "calc": calc, _CUT_DAG: cut_dag, "viterbi": viterbi}


def install() -> None:
    _install(_OURS)


def _install(functions) -> None:
    for name, function in functions.items():
        setattr(finalseg if name == "viterbi" else jieba.Tokenizer, name, function)


def installed() -> bool:
    return _current() == _OURS


@contextmanager
def jieba_own():
    """jieba's own functions for the duration (then whatever was there before)."""
    before = _current()
    _install(_ORIGINAL)
    try:
        yield
    finally:
        _install(before)
