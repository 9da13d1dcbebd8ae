"""Typer commands: parse arguments, call the domain, render, return an exit code. No logic."""
