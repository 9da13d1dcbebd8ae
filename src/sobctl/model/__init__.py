"""Typed models of the repository's files and their identifiers; no I/O here."""
