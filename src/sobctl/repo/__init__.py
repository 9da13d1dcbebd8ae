"""Repository access: YAML I/O, the workspace index, the one module that runs git, file writes."""
