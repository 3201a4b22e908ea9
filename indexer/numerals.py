"""Chinese numerals as used in article labels: 第二十条 ↔ 20, 第一百零五条 ↔ 105."""
from __future__ import annotations

import re
import unicodedata

DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)
NUMERAL = rf"[{NUMERAL_CHARS}]+|\d+"
# an article reference anywhere (第二十条, 第 20 条, 第二十条之一), and one heading an article's line
# (followed by its end, a space or a colon, which it takes along)
ARTICLE_RE = re.compile(rf"第\s*({NUMERAL})\s*条(?:之\s*({NUMERAL}))?")
ARTICLE = re.sub(r"\((?!\?)", "(?:", ARTICLE_RE.pattern)   # the same, without groups: for larger patterns
ARTICLE_HEADING_RE = re.compile(ARTICLE_RE.pattern + r"(?=$|[\s:：])[\s:：]*")


def cn_to_int(numeral: str) -> int:
    """'二十' → 20, '一百零一' → 101, '两千' → 2000, '一〇一' → 101, '12'/'１２' → 12."""
    s = numeral.strip()
    if not s:
        raise ValueError("empty numeral")
    if all(unicodedata.decimal(ch, None) is not None for ch in s):
        return int(s)
    if not any(ch in UNITS for ch in s):  # digit by digit: 一九九四, 一〇一
        try:
            return int("".join(str(DIGITS[ch]) for ch in s))
        except KeyError as exc:
            raise ValueError(f"not a Chinese numeral: {numeral!r}") from exc
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + section + (digit or 0)


def int_to_cn(n: int) -> str:
    """20 → '二十', 105 → '一百零五', 10 → '十', 110 → '一百一十'."""
    if n < 0:
        raise ValueError("negative numbers have no article label")
    if n < 10:
        return "零一二三四五六七八九"[n]
    if n >= 100000:
        return str(n)
    digits = "零一二三四五六七八九"
    out, zero = [], False
    for value, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d:
            if zero:
                out.append("零")
            out.append(digits[d] + unit)
            zero = False
        elif out:
            zero = True
        if n == 0:
            break
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def article_label(text: str) -> str | None:
    """The canonical label of an article reference: '第20条' → '第二十条', '第二十条之一' stays."""
    m = ARTICLE_RE.search(text)
    if not m:
        return None
    label = f"第{int_to_cn(cn_to_int(m[1]))}条"
    return label + (f"之{int_to_cn(cn_to_int(m[2]))}" if m[2] else "")
