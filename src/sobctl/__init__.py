"""sobctl: a region's administration of Stöd och behandling kept as YAML files in Git."""

__version__ = "0.1.0"
