"""`himari-l3 schemas --out DIR`: JSON Schema of every contract message, for other languages."""

from pathlib import Path

import orjson

from schemas.config import Layer3Config
from schemas.outputs import DeadLetter, SizedSignal, SizingDecision
from schemas.topics import CONTRACT


def all_schemas() -> dict[str, dict[str, object]]:
    models = {c.model for c in CONTRACT.values() if c.model is not None}
    models |= {SizingDecision, DeadLetter, SizedSignal}
    schemas = {m.__name__: m.model_json_schema() for m in sorted(models, key=lambda m: m.__name__)}
    schemas["Layer3Config"] = Layer3Config.model_json_schema()
    return schemas


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = out / f"{name}.schema.json"
        path.write_bytes(
            orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        )
        written.append(path)
    return written
