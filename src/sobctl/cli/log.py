"""The audit trail command: ``sobctl log``."""
