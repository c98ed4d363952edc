"""Scale frame parsers: METTLER TOLEDO continuous, text lines, Yaohua XK3190-A9; the stream
splitter; only stable readings count; weights are Decimal kg; the raw frame is kept."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pda_client.scale import (
    CR,
    STX,
    FrameSplitter,
    Reading,
    ScaleError,
    StabilityFilter,
    format_kg,
    make_mettler,
    make_xk3190,
    mt_checksum,
    parse_kg,
    parse_mettler,
    parse_text,
    parse_xk3190,
    parse_xk3190_reversed,
    read_stable,
)


def mt(swa: int, swb: int, swc: int, weight: str, tare: str = "000000", cks: bool = True) -> bytes:
    frame = bytes([STX, swa, swb, swc]) + weight.encode() + tare.encode() + bytes([CR])
    return frame + bytes([mt_checksum(frame)]) if cks else frame


# -- METTLER TOLEDO -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "digits", "kg"),
    [
        (0b000, "001234", "123400"),  # two dummy zeros
        (0b001, "001234", "12340"),  # one dummy zero
        (0b010, "001234", "1234"),
        (0b011, "001234", "123.4"),
        (0b100, "001234", "12.34"),
        (0b101, "001234", "1.234"),
        (0b110, "001234", "0.1234"),
        (0b111, "001234", "0.01234"),
    ],
)
def test_mettler_decimal_point_from_status_a(point: int, digits: str, kg: str) -> None:
    r = parse_mettler(mt(0x20 | 0x08 | point, 0x30, 0x20, digits))
    assert r.weight_kg == Decimal(kg)
    assert isinstance(r.weight_kg, Decimal)
    assert r.stable is True and r.fmt == "mt"


def test_mettler_status_b_bits() -> None:
    base = 0x20 | 0x10  # always 1, kg
    assert parse_mettler(mt(0x2C, base | 0x08, 0x20, "002550")).stable is False  # motion
    neg = parse_mettler(mt(0x2C, base | 0x02, 0x20, "000150"))
    assert neg.weight_kg == Decimal("-1.50")
    assert parse_mettler(mt(0x2C, base | 0x01, 0x20, "000150")).net is True
    assert parse_mettler(mt(0x2C, base | 0x04, 0x20, "999999")).overload is True
    # parity bit set on every byte is ignored
    r = parse_mettler(mt(0x2C | 0x80, base | 0x80, 0x20 | 0x80, "002550", cks=False))
    assert r.weight_kg == Decimal("25.50") and r.stable


def test_mettler_units() -> None:
    assert parse_mettler(mt(0x2A, 0x20 | 0x10, 0x21, "012500")).weight_kg == Decimal("12.5")  # g
    tonnes = parse_mettler(mt(0x2D, 0x20 | 0x10, 0x22, "001250"))
    assert tonnes.weight_kg == Decimal("1250")  # 1.250 t
    with pytest.raises(ScaleError) as e:
        parse_mettler(mt(0x2C, 0x20, 0x20, "002550"))  # SWB bit 4 = 0: lb
    assert e.value.code == "scale.unit"


def test_mettler_checksum_and_frame_errors() -> None:
    good = make_mettler("25.5")
    assert sum(good) & 0x7F == 0  # the checksum makes the 7-bit sum zero
    bad = good[:-1] + bytes([(good[-1] + 1) & 0x7F])
    with pytest.raises(ScaleError) as e:
        parse_mettler(bad)
    assert e.value.code == "scale.checksum"
    with pytest.raises(ScaleError):
        parse_mettler(good[:10])
    with pytest.raises(ScaleError):
        parse_mettler(mt(0x2C, 0x30, 0x20, "00X550"))
    blanked = parse_mettler(mt(0x2C, 0x30, 0x20, "  2550"))  # leading blanks instead of zeros
    assert blanked.weight_kg == Decimal("25.50")


def test_mettler_round_trip_and_raw_frame() -> None:
    frame = make_mettler("12.34", net=True)
    r = parse_mettler(frame)
    assert r.weight_kg == Decimal("12.34") and r.net and r.raw == frame
    assert r.raw_hex == frame.hex()
    assert "raw=" + frame.hex() in r.note()
    assert r.api_kg() == "12.34"


# -- text lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kg", "stable", "net"),
    [
        (b"ST,GS,+0012.34kg", "12.34", True, False),
        (b"US,GS,+0012.30kg", "12.30", False, False),
        (b"ST,NT,+0010.00kg", "10.00", True, True),
        (b"ST,+00012.34  kg", "12.34", True, False),  # A&D: one header
        (b"ST,GS,+12340 g", "12.34", True, False),
        (b"ST,GS,+0001.250t", "1250", True, False),
        (b"ST,GS,-0000.50kg", "-0.50", True, False),
        (b"st,gs,+0003.5", "3.5", True, False),  # no unit: kg
    ],
)
def test_text_lines(line: bytes, kg: str, stable: bool, net: bool) -> None:
    r = parse_text(line)
    assert r.weight_kg == Decimal(kg)
    assert r.stable is stable and r.net is net and r.fmt == "text" and r.raw == line


def test_text_overload_and_errors() -> None:
    assert parse_text(b"OL,GS,+9999.99kg").overload
    for bad in (b"ST,GS,kg", b"hello", b"XX,GS,+1.0kg"):
        with pytest.raises(ScaleError):
            parse_text(bad)
    with pytest.raises(ScaleError) as e:
        parse_text(b"ST,GS,+0012.34lb")
    assert e.value.code == "scale.unit"


# -- Yaohua XK3190-A9 ---------------------------------------------------------------------------


def test_xk3190_frame_with_xor_check() -> None:
    # byte-for-byte the manual's example: +20.00 -> 02 '+002000' '2' '1' 'B' 03 (XOR = 0x1B)
    frame = b"\x02+0020002" + b"1B" + b"\x03"
    assert make_xk3190("20.00") == frame
    r = parse_xk3190(frame)
    assert r.weight_kg == Decimal("20.00") and r.stable is None and r.fmt == "a9"
    assert parse_xk3190(make_xk3190("-1.5", decimals=1)).weight_kg == Decimal("-1.5")
    assert parse_xk3190(make_xk3190("1234", decimals=0)).weight_kg == Decimal("1234")
    with pytest.raises(ScaleError) as e:
        parse_xk3190(b"\x02+0020002" + b"1C" + b"\x03")
    assert e.value.code == "scale.checksum"
    with pytest.raises(ScaleError):
        parse_xk3190(b"\x02+0020009" + b"00" + b"\x03")


def test_xk3190_reversed_mode() -> None:
    assert parse_xk3190_reversed(b"=000.3000").weight_kg == Decimal("3.000")
    assert parse_xk3190_reversed(b"=00.1000-").weight_kg == Decimal("-1.00")
    with pytest.raises(ScaleError):
        parse_xk3190_reversed(b"=00.1X00-")


# -- stream, stability, typed weights -----------------------------------------------------------


def test_splitter_finds_every_format_in_noise() -> None:
    stream = (
        b"\xff\x00noise"
        + make_mettler("5", motion=True)
        + make_mettler("5.5")
        + make_mettler("6.5")
        + b"ST,GS,+0012.34kg\r\n"
        + make_xk3190("20.00")
        + b"=000.3000"
        + make_mettler("7")
    )
    sp = FrameSplitter()
    got: list[Reading | ScaleError] = []
    for i in range(0, len(stream), 5):  # arrives in small pieces, as from a serial port
        got.extend(sp.feed(stream[i : i + 5]))
    got.extend(sp.flush())
    readings = [g for g in got if isinstance(g, Reading)]
    assert [(r.fmt, r.weight_kg, r.stable) for r in readings] == [
        ("mt", Decimal("5.00"), False),
        ("mt", Decimal("5.50"), True),
        ("mt", Decimal("6.50"), True),
        ("text", Decimal("12.34"), True),
        ("a9", Decimal("20.00"), None),
        ("a9r", Decimal("3.000"), None),
        ("mt", Decimal("7.00"), True),
    ]


def test_splitter_reports_a_corrupt_frame_and_resynchronises() -> None:
    good = make_mettler("9.5")
    corrupt = good[:-1] + bytes([(good[-1] + 3) & 0x7F])
    sp = FrameSplitter("mt")
    got = list(sp.feed(corrupt + good + good))
    assert any(isinstance(g, ScaleError) for g in got)
    assert [g.weight_kg for g in got if isinstance(g, Reading)][-1] == Decimal("9.50")


def test_stability_needs_repeats_without_a_flag() -> None:
    f = StabilityFilter(repeats=3)
    a9 = [parse_xk3190(make_xk3190(w)) for w in ("10.00", "10.20", "10.20", "10.20")]
    assert [f.stable(r) for r in a9] == [False, False, False, True]
    moving = parse_mettler(make_mettler("3", motion=True))
    assert not f.stable(moving)


def test_read_stable_skips_motion_zero_and_corrupt_frames() -> None:
    chunks = [
        make_mettler("0", motion=False),  # empty scale: stable zero is not a weight
        make_mettler("31.2", motion=True),
        b"\x02garbage\r",
        make_mettler("25.5", motion=True),
        make_mettler("25.5"),
    ]
    seen: list[Reading] = []
    r = read_stable(iter(chunks).__next__, timeout=5, on_reading=seen.append)
    assert r.weight_kg == Decimal("25.50") and r.stable
    assert r.raw == make_mettler("25.5")
    assert len(seen) == 4


def test_read_stable_a9_by_repetition_and_timeout() -> None:
    frames = [make_xk3190(w) for w in ("1.00", "2.00", "2.00", "2.00", "2.00", "2.00")]
    r = read_stable(iter(frames).__next__, timeout=5, repeats=5)
    assert r.weight_kg == Decimal("2.00")
    with pytest.raises(ScaleError) as e:
        read_stable(lambda: make_mettler("4", motion=True), timeout=0.2)
    assert e.value.code == "scale.timeout"


def test_typed_weights_and_api_format() -> None:
    assert parse_kg("12.5") == Decimal("12.5")
    assert parse_kg(" 3.250 kg") == Decimal("3.250")
    for bad in ("0", "-1", "abc", "1.2345", "1000000"):
        with pytest.raises(ScaleError):
            parse_kg(bad)
    assert format_kg(Decimal("12.500")) == "12.5"
    assert format_kg(Decimal("0.01234")) == "0.012"
    assert format_kg(Decimal("100")) == "100"


def test_splitter_learns_frames_without_checksum() -> None:
    plain = [make_mettler(w, checksum=False) for w in ("1.5", "2.5", "3.5")]
    sp = FrameSplitter("mt")
    got = list(sp.feed(b"".join(plain))) + list(sp.flush())
    assert [g.weight_kg for g in got if isinstance(g, Reading)] == [
        Decimal("1.50"),
        Decimal("2.50"),
        Decimal("3.50"),
    ]
    assert sp.mt_checksum is False


def test_the_next_weighing_waits_until_the_scale_moved() -> None:
    first = read_stable(iter([make_mettler("25.5")]).__next__, timeout=5)
    left_on = [make_mettler("25.5")] * 3 + [make_mettler("22", motion=True), make_mettler("25.3")]
    seen: list[Reading] = []
    second = read_stable(iter(left_on).__next__, timeout=5, after=first, on_reading=seen.append)
    assert second.weight_kg == Decimal("25.30") and len(seen) == 5
    same_weight = [make_mettler("25.3")] * 2 + [make_mettler("0"), make_mettler("25.3")]
    assert read_stable(iter(same_weight).__next__, timeout=5, after=second).weight_kg == Decimal(
        "25.30"
    )
