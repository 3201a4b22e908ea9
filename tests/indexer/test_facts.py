"""Answer types: what a clause states (a length of time) and what a question asks for (多久)."""
from __future__ import annotations

import pytest

from indexer import facts


@pytest.mark.parametrize("text", [
    "向人民法院请求保护民事权利的诉讼时效期间为三年。",
    "试用期最长不得超过六个月。",
    "离婚冷静期为三十日。",
    "应当在十五个工作日内作出决定。",
    "产假为98天。",
    "自收到通知之日起二十四小时内报告。",
])
def test_a_length_of_time_is_stated(text):
    assert facts.states(text) == facts.DURATION


@pytest.mark.parametrize("text", [
    "本法自2017年9月1日起施行。",                  # a date, not a length of time
    "一九九七年三月十四日第八届全国人民代表大会第五次会议修订",
    "第十二届全国人民代表大会常务委员会第二十九次会议通过",
    "依照本法第三条的规定处理。",
    "在十日以前通知对方。",                          # a point in time
    "诉讼时效期间中止的，依照其规定。",
])
def test_dates_references_and_plain_text_state_no_length_of_time(text):
    assert facts.states(text) == 0


@pytest.mark.parametrize("question", ["诉讼时效期间是多久？", "试用期最长几个月", "离婚冷静期多少天", "醉驾判几年"])
def test_a_question_asking_how_long_asks_for_a_duration(question):
    assert facts.asks(question) == facts.DURATION


@pytest.mark.parametrize("question", ["诉讼时效期间", "公司不给员工交社保怎么办", "多少钱"])
def test_other_questions_ask_for_no_answer_type(question):
    assert facts.asks(question) == 0
