"""Shared formats: USCC check character, identification code with its check character, QR
payload v1, and the reference data files."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from importlib import resources

import pytest

import schemas
from schemas import formats

# A published USCC (Shenzhen Tencent Computer Systems Co., Ltd.), and two computed ones.
REAL_USCC = [
    "91440300708461136T",
    "91320500MA1XY0001" + formats.uscc_check_char("91320500MA1XY0001"),
    "11320500MB1A2B3C4" + formats.uscc_check_char("11320500MB1A2B3C4"),
]


@pytest.mark.parametrize("uscc", REAL_USCC)
def test_real_usccs_validate(uscc: str) -> None:
    assert formats.is_valid_uscc(uscc)
    assert formats.uscc_check_char(uscc[:17]) == uscc[17]


def test_uscc_refuses_every_single_substitution() -> None:
    good = REAL_USCC[0]
    for i, c in itertools.product(range(18), formats.USCC_ALPHABET):
        if good[i] != c:
            assert not formats.is_valid_uscc(good[:i] + c + good[i + 1 :])
    assert not formats.is_valid_uscc(good[:-1])
    assert not formats.is_valid_uscc(good[:-1] + "I")  # I is not in the alphabet


def _code(seq: int = 7) -> str:
    return formats.format_code(
        uscc=REAL_USCC[1], waste_code="900-041-49", day=dt.date(2026, 11, 24), seq=seq
    )


def test_code_structure_and_round_trip() -> None:
    code = _code()
    assert len(code) == formats.CODE_LENGTH == 38
    assert code[:18] == REAL_USCC[1] and code[18:26] == "90004149"
    assert code[26:34] == "20261124" and code[34:37] == "007"
    parsed = formats.validate_code(code)
    assert (parsed.uscc, parsed.waste_code, parsed.day, parsed.seq) == (
        REAL_USCC[1],
        "900-041-49",
        dt.date(2026, 11, 24),
        7,
    )
    assert formats.validate_code(" " + code.lower() + "\r\n").text == code


def test_check_character_catches_substitutions_and_transpositions() -> None:
    code = _code()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i in range(len(code)):
        for c in alphabet:
            if c != code[i]:
                with pytest.raises(formats.CodeFormatError):
                    formats.validate_code(code[:i] + c + code[i + 1 :])
        if i + 1 < len(code) and code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            with pytest.raises(formats.CodeFormatError):
                formats.validate_code(swapped)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "code.length"),
        ("ABC", "code.length"),
        ("é" * 38, "code.charset"),
        ("<script>", "code.charset"),
        (_code()[:-1], "code.check_char"),
        (_code() + "1", "code.length"),
    ],
)
def test_code_errors_have_stable_codes(text: str, error: str) -> None:
    with pytest.raises(formats.CodeFormatError) as err:
        formats.validate_code(text)
    assert err.value.code == error
    assert err.value.message_zh and err.value.message_en


def test_segment_errors() -> None:
    def with_check(body: str) -> str:
        return body + formats.mod37_36_check(body)

    std = _code()[:-1]
    bad_uscc = "91440300708461136A" + std[18:]  # wrong USCC check character
    bad_date = std[:26] + "20261341" + std[34:]
    zero_seq = std[:34] + "000"
    for body, error in [
        (bad_uscc, "code.uscc_check"),
        (bad_date, "code.date"),
        (zero_seq, "code.sequence"),
    ]:
        with pytest.raises(formats.CodeFormatError) as err:
            formats.validate_code(with_check(body))
        assert err.value.code == error


def test_qr_payload_round_trip_tamper_and_size() -> None:
    p = formats.QrPayload(
        code=_code(), waste_code="900-041-49", weight_kg="125.500", day=dt.date(2026, 11, 24)
    )
    text = formats.encode_qr_payload(p)
    assert text.startswith("HWT1|") and len(text.encode()) < 150
    assert formats.decode_qr_payload(text) == p
    with_url = formats.encode_qr_payload(
        formats.QrPayload(**{**p.__dict__, "url": "https://park.example/b/" + p.code})
    )
    assert formats.decode_qr_payload(with_url).url == "https://park.example/b/" + p.code
    for forged in [
        text.replace("125.500", "25.500"),
        text.replace("HWT1", "HWT2"),
        text[:-1] + ("0" if text[-1] != "0" else "1"),
        "https://x/" + p.code,
    ]:
        with pytest.raises(formats.CodeFormatError):
            formats.decode_qr_payload(forged)


def test_reference_files_have_sources_and_valid_codes() -> None:
    files = [f.name for f in resources.files("schemas").joinpath("reference").iterdir()]
    names = [f[:-5] for f in files if f.endswith(".json")]
    assert {
        "waste-catalogue-2021.source",
        "exemptions-2021.source",
        "method-codes-partial.source",
        "catalogue-synonyms",
        "waste_forms",
        "packaging_types",
        "hazard_characteristics",
        "incompatibility",
    } <= set(names)
    for name in names:
        doc = schemas.reference(name)
        assert doc["source"] and doc["version"], name
    for table in (f[:-4] for f in files if f.endswith(".csv")):
        assert f"{table}.source" in names, f"{table}.csv has no sidecar naming its source"
    hazards = {h["code"] for h in schemas.reference("hazard_characteristics")["items"]}
    for c in schemas.catalogue():
        assert re.fullmatch(r"[0-9]{3}-[0-9]{3}-[0-9]{2}", c["code"])
        assert c["category"] == formats.category_of(c["code"])
        assert set(c["hazards"].split("/")) <= hazards


def test_api_body_schemas_are_valid_draft_2020_12() -> None:
    import jsonschema

    for f in resources.files("schemas").joinpath("api").iterdir():
        if f.name.endswith(".schema.json"):
            jsonschema.Draft202012Validator.check_schema(json.loads(f.read_text("utf-8")))
