"""Refusals shown to the operator."""

from __future__ import annotations


class UserError(Exception):
    """A refusal to show the operator (already translated)."""


class VolumeRequired(UserError):
    """The label size depends on the container volume, which is not known: ask for it."""
