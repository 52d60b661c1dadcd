"""The words and patterns of time phrases, in English and Chinese: numbers, units, days, clocks.

Kept apart from the reader (bot/kernel/when.py) so the rules read as rules and the vocabulary as
data; the reader imports the names it uses.
"""

from __future__ import annotations

import re

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_NUM = "零〇一二两三四五六七八九十"


def cn_number(text: str) -> int:
    """Integer value of a small number in digits or Chinese numerals (up to 99)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS[ch]
    return value


_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
}

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_EN_UNITS = {
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "m": "m",
    "min": "m",
    "mins": "m",
    "minute": "m",
    "minutes": "m",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "d": "d",
    "day": "d",
    "days": "d",
    "w": "w",
    "week": "w",
    "weeks": "w",
}
_CN_UNITS = {
    "秒": "s",
    "秒钟": "s",
    "分": "m",
    "分钟": "m",
    "小时": "h",
    "个小时": "h",
    "钟头": "h",
    "个钟头": "h",
    "天": "d",
    "日": "d",
    "周": "w",
    "星期": "w",
    "个星期": "w",
}

NOW_WORDS = {"", "now", "right now", "immediately", "asap", "现在", "立即", "立刻", "马上", "即刻"}

WEEKDAYS_EN = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
WEEKDAYS_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
MONTHS_EN = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}

_FULLWIDTH = str.maketrans("０１２３４５６７８９：　，．／－", "0123456789: ,./-")


def normalise(phrase: str) -> str:
    text = phrase.translate(_FULLWIDTH).strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,!;。！")


# --- relative phrases -------------------------------------------------------------------

# A number word must be followed by a space before its unit: without that, "an" + "d" in
# "1 hour and 15 minutes" was read as "an d(ay)" and the phrase landed a day late.
_EN_WORD_AMOUNT = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
_EN_UNIT = "|".join(sorted(_EN_UNITS, key=len, reverse=True))
_EN_PAIR = re.compile(rf"(?:(\d+(?:\.\d+)?)\s*|\b({_EN_WORD_AMOUNT})\s+)({_EN_UNIT})(?![a-z])")
_EN_RELATIVE = re.compile(
    r"^(?:in|after)\s+((?:(?:and\s+)?(?:half an? hour|an? hour and a half|"
    rf"(?:\d+(?:\.\d+)?\s*|\b(?:{_EN_WORD_AMOUNT})\s+)(?:{_EN_UNIT})(?![a-z]))"
    r"\s*(?:and a half\s*)?)+)(?:\s+from now)?$"
)
_CN_AMOUNT = rf"(?:\d+(?:\.\d+)?|[{CN_NUM}]+)"
_CN_UNIT = "|".join(sorted(_CN_UNITS, key=len, reverse=True))
_CN_RELATIVE = re.compile(rf"^((?:(?:{_CN_AMOUNT})?(?:个)?半?(?:{_CN_UNIT})半?)+)(?:后|以后|之后|过后)$")
_CN_PAIR = re.compile(rf"({_CN_AMOUNT})?(个)?(半)?({_CN_UNIT})(半)?")


def _amount(text: str) -> float:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text in _EN_NUMBERS:
        return float(_EN_NUMBERS[text])
    return float(cn_number(text))


def relative_seconds(text: str) -> float | None:
    match = _EN_RELATIVE.match(text)
    if match:
        body = match.group(1)
        total = 0.0
        if re.search(r"half an? hour", body):
            total += 1800
            body = re.sub(r"half an? hour", "", body)
        if re.search(r"an? hour and a half", body):
            total += 5400
            body = re.sub(r"an? hour and a half", "", body)
        for digits, word, unit in _EN_PAIR.findall(body):
            amount = digits or word
            seconds = _UNIT_SECONDS[_EN_UNITS[unit]]
            total += _amount(amount) * seconds
            if re.search(rf"{re.escape(amount)}\s*{re.escape(unit)}\s*and a half", body):
                total += seconds / 2
        return total if total > 0 else None
    match = _CN_RELATIVE.match(text)
    if match:
        total = 0.0
        for amount, _ge, half_before, unit, half_after in _CN_PAIR.findall(match.group(1)):
            seconds = _UNIT_SECONDS[_CN_UNITS[unit]]
            if amount:
                total += _amount(amount) * seconds
            elif half_before:
                total += seconds / 2
                continue
            if half_after or (amount and half_before):
                total += seconds / 2
        return total if total > 0 else None
    return None


# --- absolute phrases -------------------------------------------------------------------

PERIODS_CN = "上午|早上|早晨|清晨|早|中午|正午|下午|午后|傍晚|晚上|晚间|夜里|夜间|夜晚|晚|凌晨|半夜"
CLOCK_CN = re.compile(
    rf"(?P<period>{PERIODS_CN})?\s*(?P<hour>\d{{1,2}}|[{CN_NUM}]+)\s*(?:点钟|点|點|时|時)"
    rf"(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)|\s*(?P<minute>\d{{1,2}}|[{CN_NUM}]+)\s*分?)?"
)
CLOCK_CN_COLON = re.compile(rf"(?P<period>{PERIODS_CN})\s*(?P<hour>\d{{1,2}})[:：](?P<minute>\d{{2}})")
CLOCK_PERIOD_ONLY_CN = re.compile(r"(?P<period>中午|正午|半夜)")
CLOCK_EN = re.compile(r"\b(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)(?![a-z])")
# Seconds only as ":00" (a whole minute, as ISO times write it): the reader works in minutes, and
# "19:31:30" must not quietly become 19:31, nor "19:31:99" be read at all.
CLOCK_24 = re.compile(r"(?<![\d:])(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::00)?(?![\d:])")
CLOCK_WORD_EN = re.compile(r"\b(?P<word>noon|midday|midnight)\b")

DATE_ISO = re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:t(?=\d))?")
DATE_CN = re.compile(
    rf"(?:(?P<y>\d{{4}})\s*年\s*)?(?P<m>\d{{1,2}}|[{CN_NUM}]+)\s*月\s*(?P<d>\d{{1,2}}|[{CN_NUM}]+)\s*(?:日|号|號)"
)
_MONTH_NAMES = "|".join(sorted(MONTHS_EN, key=len, reverse=True))
# The day of "dec 1" is not a clock's hour ("jan 2 am", "jan 10:00", "jan 9 o'clock").
DATE_EN_MD = re.compile(
    rf"\b(?P<mon>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b"
    r"(?![:.]\d|\s*(?:[ap]\.?m\b|o'?clock|点|點|时|時))(?:,?\s*(?P<y>\d{4})\b)?"
)
DATE_EN_DM = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_NAMES})\b\.?(?:,?\s*(?P<y>\d{{4}})\b)?"
)
DAY_WORDS = {
    "today": 0,
    "tonight": 0,
    "this evening": 0,
    "this afternoon": 0,
    "this morning": 0,
    "tomorrow": 1,
    "tmr": 1,
    "tmrw": 1,
    "tomorrow morning": 1,
    "tomorrow afternoon": 1,
    "tomorrow evening": 1,
    "tomorrow night": 1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "今天": 0,
    "今日": 0,
    "今晚": 0,
    "今早": 0,
    "明天": 1,
    "明日": 1,
    "明早": 1,
    "明晚": 1,
    "后天": 2,
    "後天": 2,
    "大后天": 3,
}
DAY_WORD = re.compile("|".join(re.escape(w) for w in sorted(DAY_WORDS, key=len, reverse=True) if w))
WEEKDAY_EN = re.compile(
    rf"\b(?:(?P<mod>next|this|coming)\s+)?(?P<day>{'|'.join(sorted(WEEKDAYS_EN, key=len, reverse=True))})\b"
)
WEEKDAY_CN = re.compile(r"(?P<mod>下个|下|这个|这|本)?(?:周|星期|礼拜|禮拜)(?P<day>[一二三四五六日天七])")
# An hour written alone ("at 5", "tomorrow 9", "9 o'clock"); the reader accepts it only after
# "at", before "o'clock" or beside a day, so a stray number is never taken for a time.
CLOCK_BARE_EN = re.compile(r"(?:\b(?P<at>at)\s+|(?<![\w:.]))(?P<hour>\d{1,2})(?P<oclock>\s*o'?clock)?(?![\w:.])")

# Parts of the day, as the minutes after midnight a clock time may fall on (1440 is the midnight
# that ends the day). They choose between 9:00 and 21:00 for "9", and refuse "tonight 9am".
Period = tuple[tuple[int, int], ...]  # minute ranges [low, high) a clock time in that part of the day falls in
_MORNING: Period = ((0, 720),)
_EARLY = ((0, 420),)
_NOON = ((660, 840),)
_AFTERNOON = ((720, 1440),)
_EVENING = ((1020, 1441),)
_NIGHT = ((1080, 1441), (0, 360))
PERIOD_MINUTES: dict[str, Period] = {
    "morning": _MORNING,
    "afternoon": _AFTERNOON,
    "evening": _EVENING,
    "tonight": _EVENING,
    "night": _EVENING,
    "上午": _MORNING,
    "早上": _MORNING,
    "早晨": _MORNING,
    "清晨": _EARLY,
    "早": _MORNING,
    "凌晨": _EARLY,
    "中午": _NOON,
    "正午": _NOON,
    "下午": _AFTERNOON,
    "午后": _AFTERNOON,
    "傍晚": _EVENING,
    "晚上": _EVENING,
    "晚间": _EVENING,
    "夜晚": _EVENING,
    "晚": _EVENING,
    "夜里": _NIGHT,
    "夜间": _NIGHT,
    "半夜": _NIGHT,
}
PERIOD_WORD = re.compile(
    r"\b(?:morning|afternoon|evening|tonight|night)\b|"
    + "|".join(sorted((w for w in PERIOD_MINUTES if not w.isascii()), key=len, reverse=True))
)
FILLER = re.compile(r"\b(?:at|on|the|of|by|around|about)\b|[@,]|于|在|的|大约|左右")
RECURRING = re.compile(r"^(?:every|each|daily|weekly|monthly|weekdays?\b)|^(?:每|工作日)")

# --- recurring phrases ------------------------------------------------------------------

_WEEKDAY_EN_NAMES = "|".join(sorted(WEEKDAYS_EN, key=len, reverse=True))
_WEEKDAY_EN_LIST = rf"(?:{_WEEKDAY_EN_NAMES})s?(?:\s*(?:,|and|&)\s*(?:{_WEEKDAY_EN_NAMES})s?)*"
EVERY_WEEKDAY_EN = re.compile(r"^(?:every\s+weekday|weekdays|every\s+work\s*day|each\s+weekday)\b")
EVERY_DAY_EN = re.compile(r"^(?:daily|every\s+day|each\s+day)\b")
EVERY_DAYS_EN = re.compile(rf"^(?:every|each)\s+(?P<days>{_WEEKDAY_EN_LIST})(?![\w])")
EVERY_MONTH_EN = re.compile(
    r"^(?:every\s+month|monthly|each\s+month)\s+(?:on\s+)?(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?:\s+of\s+the\s+month)?"
)
WEEKDAY_EN_WORD = re.compile(rf"(?:{_WEEKDAY_EN_NAMES})(?=s?\b)")
EVERY_WEEKDAY_CN = re.compile(r"^(?:每个工作日|每一个工作日|工作日每天|每工作日|工作日)")
EVERY_DAY_CN = re.compile(r"^(?:每天|每日)")
EVERY_DAYS_CN = re.compile(
    r"^(?:每个|每)(?:周|星期|礼拜|禮拜)(?P<days>[一二三四五六日天七](?:\s*[、,，和及与]?\s*(?:周|星期)?[一二三四五六日天七])*)"
)
EVERY_MONTH_CN = re.compile(rf"^(?:每个月|每月)(?P<d>\d{{1,2}}|[{CN_NUM}]+)\s*(?:日|号|號)")
END_UNTIL = re.compile(r"\s*(?:\buntil\b|\btill\b|\bthrough\b|直到|到|至)\s*(?P<date>.+?)\s*(?:为止|止)?$")
END_FOR = re.compile(
    r"\s*(?:\bfor\s+(?P<n>\d+)\s+(?P<unit>days?|weeks?|months?)\b|(?:持续|连续|共)\s*(?P<cn_n>\d+|["
    + CN_NUM
    + r"]+)\s*(?P<cn_unit>天|周|个星期|星期|个月))$"
)
