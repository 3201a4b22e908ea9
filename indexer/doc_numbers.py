"""Document numbers (文号): 晋政办发〔2018〕12号, 国发〔2024〕1号, 证监会公告[2017]10号.

The one pattern the readers (a document's `doc_number`) and the analyzer (a number indexed as one
token) share: the issuer's abbreviation (1-12 Han characters), the year in any of the brackets
writers use, the number, 号. The analyzer takes at most the last ISSUER_WINDOW characters of the
issuer and starts it after a word that cites it (按照晋政办发〔2018〕12号 → 按照 + the number).
"""
from __future__ import annotations

import re

OPEN_BRACKETS, CLOSE_BRACKETS = "〔[［(（", "〕]］)）"
DOC_NUMBER_RE = re.compile(rf"(?P<issuer>[\u4e00-\u9fff]{{1,12}})[{re.escape(OPEN_BRACKETS)}]\s*(?P<year>\d{{4}})\s*"
                           rf"[{re.escape(CLOSE_BRACKETS)}]\s*(?P<number>\d+)\s*号")
ISSUER_WINDOW = 8
