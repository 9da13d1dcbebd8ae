"""Reports and status: ``sobctl report usage|revision|catalogue`` and ``sobctl status``."""
