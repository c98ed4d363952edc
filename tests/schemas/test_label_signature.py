"""The signed QR form: a park's Ed25519 signature verified offline, a tampered or forged label
refused, an old unsigned label still read; the JSON Schema and the ledger's key format agree."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import schemas
from ledger.checkpoint import Signer
from pda_client.codes import parse_scan
from printer.renderers import _qr
from schemas import formats
from tests.factories import random_uscc

URL = "https://park.example/b/"


def _key(name: str = "park-labels") -> tuple[formats.LabelKey, Ed25519PrivateKey]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return formats.LabelKey(name, public), private


def _payload(url: str | None = None) -> str:
    code = formats.format_code(
        uscc=random_uscc(), waste_code="900-041-49", day=dt.date(2026, 11, 24), seq=7
    )
    return formats.encode_qr_payload(
        formats.QrPayload(code, "900-041-49", "125.500", dt.date(2026, 11, 24), url=url)
    )


def test_signed_label_verifies_offline() -> None:
    key, private = _key()
    for url in (None, URL + "x"):
        text = formats.sign_qr_payload(_payload(url), key, private.sign)
        verdict = formats.verify_qr_payload(text, [key.vkey])
        assert verdict.code == "qr.signed" and verdict.genuine and verdict.key_name == key.name
        assert verdict.payload.url == url
        assert formats.decode_qr_payload(text).signature is not None


def test_tampered_and_forged_labels_are_refused() -> None:
    key, private = _key()
    text = formats.sign_qr_payload(_payload(URL + "x"), key, private.sign)
    p = formats.decode_qr_payload(text)
    # Change the weight and recompute the checksum, as anyone can: the checksum passes...
    heavier = formats.encode_qr_payload(dataclasses.replace(p, weight_kg="25.500"))
    assert formats.decode_qr_payload(heavier).weight_kg == "25.500"
    # ...the signature does not.
    assert formats.verify_qr_payload(heavier, [key]).code == "qr.forged"
    other_url = formats.encode_qr_payload(dataclasses.replace(p, url="https://evil.example/"))
    assert formats.verify_qr_payload(other_url, [key]).code == "qr.forged"
    # A forger's own key with the park's key hash in front of its signature.
    _, forger = _key()
    sig = forger.sign(formats.signed_message(text))
    fake = base64.urlsafe_b64encode(key.key_hash + sig).decode().rstrip("=")
    forged = formats.encode_qr_payload(dataclasses.replace(p, signature=fake))
    assert formats.verify_qr_payload(forged, [key]).code == "qr.forged"
    # A label signed by another park's key.
    stranger, stranger_private = _key("other-park")
    theirs = formats.sign_qr_payload(_payload(), stranger, stranger_private.sign)
    verdict = formats.verify_qr_payload(theirs, [key])
    assert verdict.code == "qr.unknown_key" and not verdict.genuine
    # Garbage in the signature field.
    for junk, code in (("!!!", "qr.forged"), ("A" * 12, "qr.forged"), ("A" * 91, "qr.unknown_key")):
        bad = formats.encode_qr_payload(dataclasses.replace(p, signature=junk))
        assert formats.verify_qr_payload(bad, [key]).code == code


def test_old_unsigned_labels_keep_scanning() -> None:
    key, private = _key()
    old = _payload(URL + "y")
    verdict = formats.verify_qr_payload(old, [key])
    assert verdict.code == "qr.unsigned" and not verdict.genuine
    signed = formats.sign_qr_payload(old, key, private.sign)
    # Today's handheld and yesterday's reader (which took everything after the checksum
    # for a URL) both get the code from either form.
    assert parse_scan(signed) == parse_scan(old) == formats.decode_qr_payload(old).code
    assert signed.split("|", 6)[:6] == old.split("|", 6)[:6]


def test_signed_payload_is_compact_and_matches_the_schema() -> None:
    key, private = _key()
    check = schemas.validator("label/qr-payload")
    for url, max_len, max_version in ((None, 175, 9), (URL + "9" * 38, 240, 11)):
        unsigned = _payload(url)
        signed = formats.sign_qr_payload(unsigned, key, private.sign)
        for text in (unsigned, signed):
            assert not list(check.iter_errors(text)), text
        assert len(signed) <= max_len
        modules = len(_qr.matrix(signed))
        assert modules <= 17 + 4 * max_version, (len(signed), modules)
    assert list(check.iter_errors("HWT1|x"))


def test_label_keys_use_the_ledger_verifier_key_format() -> None:
    signer = Signer.generate("park-labels")
    key = formats.LabelKey.parse(signer.vkey)
    assert key.vkey == signer.vkey and key.public_key == signer.public_key
    for bad in ("nonsense", "a+00000000+AAAA", signer.vkey[:-4] + "AAAA"):
        with pytest.raises(formats.CodeFormatError) as err:
            formats.LabelKey.parse(bad)
        assert err.value.code == "qr.bad_key"
