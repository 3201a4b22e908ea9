"""What kind of answer a clause states, and what kind a question asks for.

"诉讼时效期间是多久" asks for a duration; 民法典 第一百八十八条 states one ("诉讼时效期间为三年"), while
the articles ranking above it only use the words 诉讼时效期间. The asking words (多久, 几天) are
question words, so they match nothing: the answer type is the only trace they leave. Each clause
carries a bit set of what it states (a column of the index, computed when the clause is read), and
the ranker favours the units stating what the question asks for (ranking.ANSWER_TYPE_BONUS).
"""
from __future__ import annotations

import re

DURATION = 1   # a length of time: 三年, 三十日, 98天, 十五个工作日, 六个月

_DIGIT = "一二三四五六七八九"
_NUMBER = (rf"(?:[0-9]{{1,3}}|半|[{_DIGIT}两半]?十?[{_DIGIT}]|[{_DIGIT}]?十"
           rf"|[{_DIGIT}]?百[零{_DIGIT}十]*)")
_UNIT = r"(?:个)?(?:周年|年|个月|日|天|周|小时|工作日)(?!以前|以后)"   # 十日以前 is a point in time
STATES = {
    DURATION: re.compile(rf"(?<![第月0-9〇零{_DIGIT}十百])\s*{_NUMBER}\s*{_UNIT}"),
}
ASKS = {
    DURATION: re.compile(r"多久|多长时间|多长期限|多少天|几天|多少日|几日|几个月|多少个月|几年|多少年|多少小时|几小时|期限是多少"),
}


def states(text: str) -> int:
    """The answer types the text states, as bits."""
    return sum(bit for bit, pattern in STATES.items() if pattern.search(text))


def asks(query: str) -> int:
    """The answer types a question asks for, as bits (0: none said)."""
    return sum(bit for bit, pattern in ASKS.items() if pattern.search(query))
