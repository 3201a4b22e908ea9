"""jieba's hot functions, replaced by faster ones, give jieba's own words: on the corpus, on the
law collection's kinds of text and on random text, with and without the HMM, through the
per-generation tokenizers the analyzer uses (installed on jieba's Tokenizer class, they reach them)."""
from __future__ import annotations

import random

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jieba import finalseg

from indexer.engine import jieba_speedups
from indexer.engine.analysis import jieba_tokenizer, parse_userdict
from indexer.engine.jieba_speedups import jieba_own
from tests.conftest import CORPUS

def corpus_userwords():
    return parse_userdict((CORPUS / "userdict.txt").read_text(encoding="utf-8"))


ALPHABET = list("专利权质押融资中小企业科技创新的了和与及在国家省市发展改革委员会人民银行啊呢吧嗯哦AB12。，、 ")


def both_ways(texts):
    """tokenize and cut_for_search of each text by an index generation's own tokenizer (the
    corpus's user words: jieba_tokenizer), with the replacements and with jieba's own."""
    tokenizer = jieba_tokenizer(corpus_userwords())
    assert jieba_speedups.installed() and tokenizer is not jieba.dt

    def run():
        return [(list(tokenizer.tokenize(t, HMM=hmm)), list(tokenizer.cut_for_search(t, HMM=hmm)))
                for t in texts for hmm in (True, False)]

    ours = run()
    with jieba_own():
        assert not jieba_speedups.installed()
        theirs = run()
    assert jieba_speedups.installed()
    return ours, theirs


def test_the_corpus_segments_exactly_as_jieba():
    texts = [line for path in sorted(CORPUS.glob("*.txt")) if path.name not in ("userdict.txt", "synonyms.txt")
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["ABC公司2018年第3季度ＧＤＰ增长6.5%", "的", "", "〔2018〕12号", "中华人民共和国中小企业促进法第二十条",
              "嗯嗯啊啊呢呢吧吧哦哦", "特朗普和拜登在白宫会晤讨论芯片出口管制"]
    ours, theirs = both_ways(texts)
    assert sum(len(t) for t in texts) > 10000
    assert ours == theirs


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=40))
def test_random_text_segments_exactly_as_jieba(text):
    ours, theirs = both_ways([text])
    assert ours == theirs


def test_the_hmm_finds_jiebas_states_and_probability():
    """The unrolled Viterbi against jieba's own on runs of unknown characters, including ties
    (a character the model never saw has the same score in several states)."""
    own = jieba_speedups._ORIGINAL["viterbi"]
    rng = random.Random(3)
    chars = "".join(ALPHABET[:40]) + "鑫淼犇骉龘"
    runs = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    runs += ["龘", "龘龘龘", "\u9fd0\u9fd1"]
    for run in runs:
        got = jieba_speedups.viterbi(run, "BMES", finalseg.start_P, finalseg.trans_P, finalseg.emit_P)
        assert got == own(run, "BMES", finalseg.start_P, finalseg.trans_P, finalseg.emit_P), run


def test_other_state_sets_are_left_to_jieba(monkeypatch):
    """Only finalseg's own call, states "BMES" on a non-empty run, is unrolled: another order of the
    states, or no characters, runs jieba's own Viterbi and gets exactly its answer (or its error)."""
    own = jieba_speedups._ORIGINAL["viterbi"]
    calls = []

    def spy(obs, states, *model):
        calls.append((obs, states))
        return own(obs, states, *model)

    monkeypatch.setitem(jieba_speedups._ORIGINAL, "viterbi", spy)
    model = (finalseg.start_P, finalseg.trans_P, finalseg.emit_P)
    for run in ("鑫淼犇", "龘龘", "专利质押融资"):
        got = jieba_speedups.viterbi(run, "SEMB", *model)
        assert calls[-1] == (run, "SEMB")
        assert got == own(run, "SEMB", *model)
        assert got == jieba_speedups.viterbi(run, "BMES", *model)   # same model, same answer
    unrolled = len(calls)
    jieba_speedups.viterbi("鑫淼犇", "BMES", *model)
    assert len(calls) == unrolled                        # BMES itself is not handed back
    with pytest.raises(IndexError):                      # jieba's own Viterbi reads obs[0]
        jieba_speedups.viterbi("", "BMES", *model)
    assert calls[-1] == ("", "BMES")
