"""Data shared by the server, the PDA client and the tests: JSON Schemas (``api/``, ``label/``),
reference data (``reference/``) and the shared code formats (``schemas.formats``)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


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
    import jsonschema

    schema = load(f"{name}.schema")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
