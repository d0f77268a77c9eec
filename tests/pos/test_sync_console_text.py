"""What the manager's sync console says about a requested sync and the clock offset, in the
cashier's language (the agent writes its result in a fixed English form)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from retail.i18n import translate
from ui.services import seconds_text, sync_result_text


def ru(text, **params):
    return translate(text, "ru", **params)


def en(text, **params):
    return translate(text, "en", **params)


@pytest.mark.parametrize("result, expected", [
    ("ok: 7 feed rows, 7 events sent", "получено строк: 7, отправлено событий: 7"),
    ("ok: 0 feed rows, 2 events sent, 1 dead letters",
     "получено строк: 0, отправлено событий: 2; отклонено центральным офисом: 1"),
    ("failed: central did not answer", "ошибка: central did not answer"),
    ("feeds failed: prices: bad page", "часть данных не загрузилась: prices: bad page"),
    ("stopped: token_revoked", "остановлена: token_revoked"),
    ("", ""),
])
def test_agent_results_in_russian(result, expected):
    assert sync_result_text(result, ru) == expected


def test_agent_result_in_english():
    assert sync_result_text("ok: 7 feed rows, 7 events sent", en) == "7 rows received, 7 events sent"


@given(st.text(max_size=80))
def test_any_result_text_gives_a_line_and_never_raises(result):
    assert isinstance(sync_result_text(result, ru), str)


@pytest.mark.parametrize("seconds, lang, expected", [
    (-0.04, "ru", "0"), (0.0, "en", "0"), (-0.0, "ru", "0"), (1.46, "ru", "+1,5"), (-0.3, "en", "-0.3"),
    (-125.0, "ru", "-125,0"),
])
def test_clock_offsets(seconds, lang, expected):
    assert seconds_text(seconds, lang) == expected
