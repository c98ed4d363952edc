"""Data shared by the server, the PDA client and the tests: JSON Schemas (``api/``, ``label/``),
reference data (``reference/``) and the shared code formats (``schemas.formats``).

Reference tables are CSV files (``reference/<name>.csv``, first row the column names), each with
a sidecar ``reference/<name>.source.json`` naming its source, version and checks. The national
waste catalogue ships one table per edition: ``waste-catalogue-<edition>.csv``."""

from __future__ import annotations

import csv
import io
import json
import re
from functools import cache
from importlib import resources
from typing import Any

_CATALOGUE_FILE = re.compile(r"^waste-catalogue-([0-9]{4})\.csv\Z")


@cache
def load(name: str) -> Any:
    """Return the parsed JSON file ``schemas/<name>.json`` (e.g. "reference/waste_forms")."""
    text = resources.files("schemas").joinpath(f"{name}.json").read_text("utf-8")
    return json.loads(text)


def reference(name: str) -> Any:
    """Return the reference data set ``schemas/reference/<name>.json``."""
    return load(f"reference/{name}")


@cache
def validator(name: str) -> Any:
    """Return a Draft 2020-12 validator for ``schemas/<name>.schema.json``."""
    return strict_validator(load(f"{name}.schema"))


def ecma_pattern(pattern: str) -> str:
    r"""Return a JSON Schema ``pattern`` (ECMA-262) as a Python regular expression.

    In ECMA-262 ``$`` (without the ``m`` flag) is the end of the input; Python's ``$`` also
    matches before a final newline, so ``^[a-z]+$`` would accept ``"p2op\n"``. Every ``$``
    outside a character class becomes ``\Z``."""
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif in_class:
            out.append(ch)
            in_class = ch != "]"
        elif ch == "[":
            out.append(ch)
            in_class = True
        elif ch == "$":
            out.append(r"\Z")
        else:
            out.append(ch)
    return "".join(out)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(ecma_pattern(pattern))


@cache
def _strict_class() -> Any:
    import jsonschema
    from jsonschema import validators

    def pattern(v: Any, patrn: str, instance: Any, _schema: Any) -> Any:
        if v.is_type(instance, "string") and not _compiled(patrn).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    return validators.extend(jsonschema.Draft202012Validator, {"pattern": pattern})  # type: ignore[no-untyped-call]


def strict_validator(schema: dict[str, Any], *, check: bool = True) -> Any:
    """Return a Draft 2020-12 validator for ``schema`` whose ``pattern`` keeps ECMA-262's
    meaning of ``$`` (see :func:`ecma_pattern`), with the format checker on."""
    import jsonschema

    if check:
        jsonschema.Draft202012Validator.check_schema(schema)
    return _strict_class()(schema, format_checker=jsonschema.FormatChecker())


@cache
def table(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of the CSV table ``schemas/reference/<name>.csv`` as dicts."""
    text = resources.files("schemas").joinpath(f"reference/{name}.csv").read_text("utf-8-sig")
    return tuple(csv.DictReader(io.StringIO(text, newline="")))


def source(name: str) -> dict[str, Any]:
    """Return the sidecar of a reference table: its source, version, digest and checks."""
    data: dict[str, Any] = reference(f"{name}.source")
    return data


@cache
def catalogue_editions() -> tuple[str, ...]:
    """Return the editions of the national waste catalogue shipped here, oldest first."""
    names = (f.name for f in resources.files("schemas").joinpath("reference").iterdir())
    return tuple(sorted(m.group(1) for n in names if (m := _CATALOGUE_FILE.match(n))))


def catalogue(edition: str | None = None) -> tuple[dict[str, str], ...]:
    """Return the rows of one shipped catalogue edition (default: the newest shipped)."""
    editions = catalogue_editions()
    edition = edition or editions[-1]
    if edition not in editions:
        raise KeyError(f"no shipped catalogue edition {edition!r}; shipped: {editions}")
    return table(f"waste-catalogue-{edition}")
