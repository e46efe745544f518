"""The committed JSON Schemas are exactly what `himari-l3 schemas` writes, so they never go stale."""

from pathlib import Path

from himari_l3.schema_export import write_schemas

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "json"


def test_committed_json_schemas_match_the_models(tmp_path: Path) -> None:
    written = write_schemas(tmp_path)
    assert sorted(p.name for p in COMMITTED.glob("*.schema.json")) == sorted(
        p.name for p in written
    )
    for path in written:
        assert (COMMITTED / path.name).read_bytes() == path.read_bytes(), (
            f"regenerate: make schemas ({path.name})"
        )


def test_decision_schema_names_every_contract_field() -> None:
    import orjson

    schema = orjson.loads((COMMITTED / "SizingDecision.schema.json").read_bytes())
    contract = {
        "decision_id", "correlation_id", "schema_version", "strategy_id", "symbol", "portfolio_id",
        "timestamp_ns", "action", "side", "strategy_size_usd", "target_position_usd", "target_quantity",
        "recommendation", "regime", "trading_state", "reasons", "waterfall", "components", "lineage",
        "config_version", "processed_at_ns",
    }  # fmt: skip
    assert contract <= set(schema["properties"])
    assert contract <= set(schema["required"])
