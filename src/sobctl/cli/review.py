"""Pull-request review and CI: ``sobctl diff``, ``sobctl audit verify``, ``sobctl init``."""
