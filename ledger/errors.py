"""Errors of the ledger library, each with a stable code."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every ledger error."""

    code = "ledger.error"


class NotCanonicalError(LedgerError):
    """A payload that has no canonical form (floats, NaN, non-string keys)."""

    code = "ledger.not_canonical"


class AppendOnlyError(LedgerError):
    """The database refused to change or delete a ledger row."""

    code = "ledger.append_only"


class BadSignatureError(LedgerError):
    """A checkpoint whose signature or format does not verify."""

    code = "ledger.bad_signature"


class BadProofError(LedgerError):
    """A proof that was asked for sizes or indexes the log cannot prove."""

    code = "ledger.bad_proof"
