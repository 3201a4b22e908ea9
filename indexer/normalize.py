"""Text normalisation applied before segmentation, index and query side alike.

Every step maps one character to one character, so offsets into normalised text are offsets
into the original text too (highlighting depends on it).
"""
from __future__ import annotations

import functools
import re

import opencc

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space


def to_halfwidth(text: str) -> str:
    """Full-width Latin letters, digits and punctuation → ASCII (ＡＢＣ１２３ → ABC123)."""
    return text.translate(_FULLWIDTH)


_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s), keeping the length unchanged."""
    if text.isascii():
        return text
    if _SURROGATE.search(text):  # lone surrogates: OpenCC cannot encode them
        masked = to_simplified("".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text))
        return "".join(c if "\ud800" <= c <= "\udfff" else m for c, m in zip(text, masked))
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # a phrase rule changed the length: convert character by character instead
    convert = _t2s().convert
    return "".join(c if len(s := convert(c)) != 1 else s for c in text)


def lower(text: str) -> str:
    """Lower-case Latin letters without changing the length (some letters lower to two characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(l := c.lower()) != 1 else l for c in text)


class Normalizer:
    """A chain of length-preserving text steps; picklable, so the index can carry it."""

    STEPS = {"halfwidth": to_halfwidth, "simplified": to_simplified, "lower": lower}

    def __init__(self, steps=("halfwidth", "simplified", "lower")):
        unknown = set(steps) - set(self.STEPS)
        if unknown:
            raise ValueError(f"unknown normalisation steps: {sorted(unknown)}")
        self.steps = tuple(steps)

    def __call__(self, text: str) -> str:
        for name in self.steps:
            text = self.STEPS[name](text)
        return text

    def __eq__(self, other):
        return isinstance(other, Normalizer) and other.steps == self.steps

    def __repr__(self):
        return f"Normalizer({self.steps!r})"
