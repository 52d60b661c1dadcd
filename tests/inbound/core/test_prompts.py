"""Prompts in the platform's extended form: recordings, typed variables, TTS text."""

from __future__ import annotations

import pytest

from bot.inbound.core.prompts import (
    PromptError,
    PromptFile,
    PromptVar,
    VarType,
    build_prompt,
    parse_prompt,
    render_prompt,
)

# --- prompts --------------------------------------------------------------------------------


def test_a_lone_recording_is_its_file_name() -> None:
    assert render_prompt("welcome.wav") == "welcome.wav"


def test_text_becomes_tts_in_the_extended_form() -> None:
    assert render_prompt("您好，正在为您转接") == "<msg><var>7_您好，正在为您转接</var></msg>"


def test_parts_joined_by_plus_keep_their_order_and_types() -> None:
    assert (
        render_prompt("1.wav+7_你好+2.wav") == "<msg><file>1.wav</file><var>7_你好</var><file>2.wav</file></msg>"
    )  # the seed's own example
    assert render_prompt("queue.wav+2_5+minutes.wav") == (
        "<msg><file>queue.wav</file><var>2_5</var><file>minutes.wav</file></msg>"
    )


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("1_-42", PromptVar(VarType.INTEGER, "-42")),
        ("2_13800138000", PromptVar(VarType.DIGITS, "13800138000")),
        ("3_0930", PromptVar(VarType.TIME_HHMM, "0930")),
        ("4_20261231", PromptVar(VarType.DATE_YYYYMMDD, "20261231")),
        ("5_0012345", PromptVar(VarType.PRICE_YYYYYJF, "0012345")),
        ("6_000123045", PromptVar(VarType.TIME_HHHHMMMSS, "000123045")),
        ("7_hello", PromptVar(VarType.TTS, "hello")),
        ("hello", PromptVar(VarType.TTS, "hello")),
        ("a/b-c.mp3", PromptFile("a/b-c.mp3")),
    ],
)
def test_every_vartype_is_read_and_built(text: str, part) -> None:
    assert parse_prompt(text) == (part,)
    built = build_prompt((PromptFile("x.wav"), part))
    expected = f"<file>{part.name}</file>" if isinstance(part, PromptFile) else f"<var>{part.type}_{part.value}</var>"
    assert built == f"<msg><file>x.wav</file>{expected}</msg>"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1_abc", "vartype 1 needs an integer"),
        ("2_12a", "vartype 2 needs digits"),
        ("3_2561", "vartype 3 needs a time as HHMM"),
        ("4_20260230", "not a real date"),
        ("5_123", "vartype 5 needs a price"),
        ("6_12345", "vartype 6 needs a duration"),
        ("7_   ", "TTS text is empty"),
        ("a.wav++b.wav", "an empty part"),
        ("x" * 501, "longer than 500"),
        ("<msg><file>a.wav</file>junk</msg>", "only <file> and <var>"),
        ("<msg><var>9_x</var></msg>", "vartype 1–7"),
        ("<msg><file>a.wav</file>", "must end with </msg>"),
    ],
)
def test_prompts_that_cannot_be_played_say_why(text: str, why: str) -> None:
    with pytest.raises(PromptError) as caught:
        parse_prompt(text)
    assert why in caught.value.why


def test_tts_text_is_escaped_so_the_msg_stays_well_formed() -> None:
    assert render_prompt("a<b & c") == "<msg><var>7_a&lt;b &amp; c</var></msg>"
    assert parse_prompt("<msg><var>7_a&lt;b</var><file>x.wav</file></msg>") == (
        PromptVar(VarType.TTS, "a<b"),
        PromptFile("x.wav"),
    )


def test_an_extended_prompt_round_trips() -> None:
    text = "<msg><file>1.wav</file><var>3_0930</var><var>7_再见</var></msg>"
    assert render_prompt(text) == text
    assert render_prompt("") == ""
