"""Persistence adapters: SQLAlchemy tables for the read model and the unit of work (no Flask)."""
