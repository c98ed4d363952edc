"""Use cases: one function per actor action, each one transaction (no Flask, no HTTP).

They take keyword-only arguments (``ctx``, ``actor``, the command) and return read-model rows;
the web layer turns those into JSON.
"""
