"""Normalisation: one spelling for index and query (simplified, half-width, lower-case).

Every step maps one character to one character: offsets into normalised text are offsets into
the original, which highlighting relies on.
"""
from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.normalize import Normalizer, lower, to_halfwidth, to_simplified


def test_traditional_to_simplified():
    assert to_simplified("專利權質押") == "专利权质押"
    assert to_simplified("國稅地稅聯合辦稅") == "国税地税联合办税"


def test_simplified_and_ascii_text_is_unchanged():
    assert to_simplified("专利权质押融资") == "专利权质押融资"
    assert to_simplified("PPP 2018") == "PPP 2018"


def test_full_width_to_half_width():
    assert to_halfwidth("ＡＢＣ１２３（）［］：") == "ABC123()[]:"
    assert to_halfwidth("专利\u3000质押") == "专利 质押"   # ideographic space


def test_chinese_punctuation_without_ascii_twin_stays():
    """。、《》〔〕“” are not in the full-width block and stay (document numbers keep 〔〕); ， becomes ,."""
    assert to_halfwidth("。、《》〔〕“”") == "。、《》〔〕“”"
    assert to_halfwidth("甲，乙") == "甲,乙"


def test_lower_case():
    assert lower("PPP Ｐ") == "ppp ｐ"


def test_lower_case_keeps_length_for_letters_that_lower_to_two():
    """'İ'.lower() is two characters; the normaliser keeps such a letter as it is."""
    assert len(lower("İstanbul")) == len("İstanbul")
    assert lower("İstanbul").endswith("stanbul")


def test_the_chain_applies_all_steps():
    assert Normalizer()("專利權ＰＰＰ質押") == "专利权ppp质押"


def test_unknown_step_is_refused():
    with pytest.raises(ValueError, match="unknown normalisation steps"):
        Normalizer(("halfwidth", "stemming"))


def test_lone_surrogates_do_not_crash():
    """A query typed in a non-UTF-8 terminal arrives with surrogate escapes; normalising must not crash."""
    assert Normalizer()("\udcff專利") == "\udcff专利"


def test_normalizer_pickles_equal():
    """The index schema carries its normaliser: it must survive pickling unchanged."""
    n = Normalizer(("halfwidth", "lower"))
    assert pickle.loads(pickle.dumps(n)) == n
    assert pickle.loads(pickle.dumps(n)) != Normalizer()


MIXED = st.text(alphabet=st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(list("專利權質押國稅地稅聯辦ＡＢＣａｂｃ１２３（）\u3000İẞΣ")),
), max_size=60)


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_every_step_preserves_length(text):
    for step in (to_halfwidth, to_simplified, lower, Normalizer()):
        assert len(step(text)) == len(text)


@settings(max_examples=200, deadline=None)
@given(MIXED)
def test_normalising_twice_changes_nothing(text):
    n = Normalizer()
    assert n(n(text)) == n(text)
