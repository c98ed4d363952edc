"""Every entry of the demo year reads in words in both languages: a title for its type, labels for
its fields (never the payload's raw key), and in English the method names in English too."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from flask import Flask

import ledger
from hwtrace.domain import entries as E

CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_PAIR = re.compile(r"\b[a-z]+(?:_[a-z]+)*=")


def _payloads(app: Flask) -> list[tuple[str, dict[str, object]]]:
    ctx = app.extensions["hwtrace"]
    t = ledger.schema.ledger_entry
    with ctx.db.read_session() as s:
        rows = s.execute(sa.select(t.c.entry_type, t.c.body)).all()
    return [(et, json.loads(bytes(body))["payload"]) for et, body in rows]


def test_every_demo_entry_reads_in_words_in_both_languages(demo: Flask) -> None:
    payloads = _payloads(demo)
    types = {et for et, _ in payloads}
    assert len(payloads) > 500 and len(types) > 20, types
    untitled = sorted(t for t in types for lang in ("zh", "en") if E.entry_title(t, lang) == t)
    assert not untitled, untitled
    raw: set[tuple[str, str, str]] = set()
    chinese_methods: set[str] = set()
    for et, payload in payloads:
        for lang in ("zh", "en"):
            for label, value in E.entry_words(payload, lang):
                if lang == "zh" and not CJK.search(label):
                    raw.add((lang, et, label))
                if lang == "en" and (CJK.search(label) or "_" in label):
                    raw.add((lang, et, label))
                if RAW_PAIR.search(value):  # a mapping shown as key=value
                    raw.add((lang, et, value))
                if lang == "en" and label in ("method", "planned method") and CJK.search(value):
                    chinese_methods.add(value)
    assert not raw, sorted(raw)
    assert not chinese_methods, chinese_methods


def test_methods_read_in_the_page_language() -> None:
    words = dict(E.entry_words({"method": {"code": "D10", "name": "焚烧"}}, "en"))
    assert words["method"] == "D10 incineration"
    assert dict(E.entry_words({"planned_method": "R9"}, "zh"))["拟利用处置方式"] == (
        "R9 废油再提炼或其他废油的再利用"
    )
