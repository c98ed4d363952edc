"""Identification codes: a scan checked at once, a code built from its segments, reservations
bounded (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from hwtrace.domain import codes
from hwtrace.domain.errors import BadValue, Conflict
from schemas import formats

USCC = "91320500MA1XY0001" + formats.uscc_check_char("91320500MA1XY0001")
DAY = dt.date(2026, 6, 15)


def test_a_code_is_made_and_read_back() -> None:
    code = codes.make_code(uscc=USCC, waste_code="900-041-49", day=DAY, seq=12)
    parsed = codes.parse_scanned(code.lower())
    assert (parsed.uscc, parsed.waste_code, parsed.day, parsed.seq) == (USCC, "900-041-49", DAY, 12)
    assert codes.code_prefix(uscc=USCC, waste_code="900-041-49", day=DAY) == code[:34]


def test_a_misread_is_refused_with_the_failed_check() -> None:
    code = codes.make_code(uscc=USCC, waste_code="900-041-49", day=DAY, seq=12)
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(codes.CodeError) as e:
        codes.parse_scanned(broken)
    assert e.value.code.startswith("code.") and e.value.status == 400


def test_sequence_numbers_run_out() -> None:
    codes.check_sequence(formats.MAX_SEQUENCE)
    with pytest.raises(Conflict) as e:
        codes.check_sequence(formats.MAX_SEQUENCE + 1)
    assert e.value.code == "code.exhausted"


def test_reservations_are_bounded() -> None:
    codes.check_reservation(count=500, day=DAY - dt.timedelta(days=1), today=DAY)
    codes.check_reservation(count=1, day=DAY + dt.timedelta(days=7), today=DAY)
    for count, day in (
        (0, DAY),
        (501, DAY),
        (1, DAY - dt.timedelta(days=2)),
        (1, DAY + dt.timedelta(days=8)),
    ):
        with pytest.raises(BadValue):
            codes.check_reservation(count=count, day=day, today=DAY)
