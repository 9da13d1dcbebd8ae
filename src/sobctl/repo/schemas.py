"""JSON Schemas generated from the models, for editors and for CI (``sobctl schema export``)."""

from __future__ import annotations

import json

from pydantic import BaseModel

from sobctl.model.entities import Agreement, Config, Person, Program, Unit

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "config.schema.json": Config,
    "program.schema.json": Program,
    "unit.schema.json": Unit,
    "person.schema.json": Person,
    "agreement.schema.json": Agreement,
}


def render_schemas() -> dict[str, bytes]:
    """File name → bytes of each schema, deterministic so ``--check`` can compare."""
    rendered: dict[str, bytes] = {}
    for name, model in SCHEMA_FILES.items():
        schema = model.model_json_schema(mode="validation")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name, **schema}
        rendered[name] = (json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    return rendered
