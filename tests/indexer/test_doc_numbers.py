"""The one document-number pattern: what the readers record as doc_number is what the analyzer
keeps as one token."""
from __future__ import annotations

import pytest

from indexer.doc_numbers import DOC_NUMBER_RE
from indexer.engine.analysis import make_analyzer
from indexer.readers import text


@pytest.mark.parametrize("written, token", [
    ("晋政办发〔2018〕12号", "晋政办发〔2018〕12号"),
    ("证监会公告[2017]10号", "证监会公告〔2017〕10号"),
    ("国发（2024） 1 号", "国发〔2024〕1号"),
    ("按照晋政办发〔2018〕12号", "晋政办发〔2018〕12号"),           # the citing word is not the issuer's
])
def test_readers_and_analyzer_read_the_same_numbers(written, token):
    assert text.DOC_NUMBER_RE is DOC_NUMBER_RE
    assert DOC_NUMBER_RE.search(written)
    words = [t.text for t in make_analyzer()(written) if not t.subword]
    assert words[-1] == token


def test_a_long_run_before_the_bracket_gives_the_analyzer_its_last_characters_only():
    """The readers see up to 12 issuer characters; the token takes the last ISSUER_WINDOW (8)."""
    written = "省人民政府办公厅综合处文书科晋政办发〔2018〕12号"
    assert len(DOC_NUMBER_RE.search(written)["issuer"]) == 12
    words = [t.text for t in make_analyzer()(written) if not t.subword]
    assert words[-1] == "处文书科晋政办发〔2018〕12号" and "".join(words) == written
