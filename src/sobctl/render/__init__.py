"""Rendering: every formatter returns a string; printing happens in the CLI only."""
