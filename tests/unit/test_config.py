"""Config: seed defaults, the repo YAML, env overrides, validation errors, config_version."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.config import Layer3Config, SizingConfig
from schemas.config_loading import REPO_CONFIG, load_config, parse_config, read_yaml
from schemas.enums import CascadeRecommendation as Rec
from schemas.enums import Regime
from schemas.errors import ConfigError, Layer3Error

# dotted path under `sizing` → the seed's number
SEED_DEFAULTS = [
    ("cascade.funding_rate_threshold", 0.003),
    ("cascade.funding_rate_cap", 0.01),
    ("cascade.oi_drop_threshold", 0.10),
    ("cascade.oi_drop_cap", 0.30),
    ("cascade.volume_spike_threshold", 5.0),
    ("cascade.volume_spike_cap", 10.0),
    ("cascade.whale_pressure_threshold", 0.7),
    ("cascade.netflow_zscore_threshold", 2.0),
    ("cascade.netflow_zscore_cap", 4.0),
    ("cascade.weights.funding", 0.20),
    ("cascade.weights.oi_drop", 0.25),
    ("cascade.weights.volume_spike", 0.15),
    ("cascade.weights.whale_pressure", 0.25),
    ("cascade.weights.netflow", 0.15),
    ("cascade.exit_above", 0.8),
    ("cascade.reduce_75_above", 0.6),
    ("cascade.reduce_50_above", 0.4),
    ("regime.hysteresis_periods", 3),
    ("regime.transition_history", 10),
    ("sentiment.weight", 0.15),
    ("kelly.kelly_fraction", 0.25),
    ("kelly.prior_strength", 10.0),
    ("conformal.coverage", 0.9),
    ("budgets.position_pct", 0.15),
    ("portfolio_value_usd", 100_000.0),
    ("require_regime", True),
    ("require_cascade", True),
]


def at(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize(("path", "value"), SEED_DEFAULTS)
def test_default_equals_seed(path, value):
    assert at(SizingConfig(), path) == value


def test_default_multipliers_equal_seed():
    cfg = SizingConfig()
    assert cfg.cascade.multipliers == {
        Rec.EXIT: 0.0,
        Rec.REDUCE_75: 0.25,
        Rec.REDUCE_50: 0.5,
        Rec.MONITOR: 1.0,
    }
    assert cfg.regime.multipliers == {
        Regime.TRENDING_UP: 1.2,
        Regime.TRENDING_DOWN: 0.8,
        Regime.RANGING: 1.0,
        Regime.HIGH_VOLATILITY: 0.6,
        Regime.CRISIS: 0.2,
    }


def test_repo_yaml_loads_and_equals_the_defaults():
    loaded = load_config(REPO_CONFIG, env={})
    assert loaded == Layer3Config()
    assert loaded.config_version == Layer3Config().config_version


def test_env_override_reaches_a_nested_value():
    cfg = parse_config({}, env={"HIMARI_L3__SIZING__KELLY__KELLY_FRACTION": "0.2"})
    assert cfg.sizing.kelly.kelly_fraction == 0.2
    assert cfg.sizing.kelly.prior_strength == 10.0  # siblings keep their values


def test_env_override_wins_over_the_file(tmp_path):
    path = tmp_path / "l3.yaml"
    path.write_text("sizing:\n  budgets:\n    position_pct: 0.1\n")
    env = {
        "HIMARI_L3__SIZING__BUDGETS__POSITION_PCT": "0.05",
        "HIMARI_L3__SIZING__REQUIRE_REGIME": "false",
    }
    cfg = load_config(path, env=env)
    assert cfg.sizing.budgets.position_pct == 0.05
    assert cfg.sizing.require_regime is False
    assert cfg.sizing.budgets.strategy_pct == 0.40


def test_config_file_from_environment_variable(tmp_path):
    path = tmp_path / "chosen.yaml"
    path.write_text("sizing:\n  sentiment:\n    weight: 0.3\n")
    assert load_config(env={"HIMARI_L3_CONFIG": str(path)}).sizing.sentiment.weight == 0.3


def test_kafka_alias_variable():
    cfg = parse_config({}, env={"KAFKA_BOOTSTRAP_SERVERS": "broker:29092"})
    assert cfg.kafka.bootstrap_servers == "broker:29092"


@pytest.mark.parametrize(
    ("document", "env", "where"),
    [
        ({"sizing": {"kelly": {"kelly_fraction": 0.0}}}, {}, "sizing.kelly.kelly_fraction"),
        ({"sizing": {"kelly": {"kelly_fraction": 1.5}}}, {}, "sizing.kelly.kelly_fraction"),
        ({"sizing": {"budgets": {"position_pct": -0.1}}}, {}, "sizing.budgets.position_pct"),
        ({"sizing": {"conformal": {"coverage": 1.0}}}, {}, "sizing.conformal.coverage"),
        ({"sizing": {"regime": {"hysteresis_periods": 0}}}, {}, "sizing.regime.hysteresis_periods"),
        (
            {"sizing": {"cascade": {"funding_rate_cap": "lots"}}},
            {},
            "sizing.cascade.funding_rate_cap",
        ),
        ({"sizing": {"cascade": {"exit_above": 0.3}}}, {}, "sizing.cascade"),  # bands out of order
        (
            {"sizing": {"regime": {"multipliers": {"RANGING": 5.0}}}},
            {},
            "sizing.regime.multipliers",
        ),
        ({"sizing": {"regime": {"multipliers": {"BULL": 1.0}}}}, {}, "sizing.regime.multipliers"),
        ({"kafka": {"fetch_max_wait_ms": 0}}, {}, "kafka.fetch_max_wait_ms"),
        ({}, {"HIMARI_L3__SIZING__KELLY__KELLY_FRACTION": "2"}, "sizing.kelly.kelly_fraction"),
        ({}, {"HIMARI_L3__SIZING__PORTFOLIO_VALUE_USD": "abc"}, "sizing.portfolio_value_usd"),
    ],
)
def test_invalid_value_raises_config_error_naming_the_path(document, env, where):
    with pytest.raises(ConfigError) as err:
        parse_config(document, env=env)
    assert f"'{where}" in str(err.value)
    assert isinstance(err.value, Layer3Error)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"sizing": {"kelly": {"kelly_fractoin": 0.2}}}, "sizing.kelly.kelly_fractoin"),
        ({"sizing": {"turbo": True}}, "sizing.turbo"),
        ({"sizng": {}}, "sizng"),
        ({"sizing": {"cascade": {"weights": {"gamma": 0.1}}}}, "sizing.cascade.weights.gamma"),
    ],
)
def test_unknown_keys_are_rejected(document, where):
    with pytest.raises(ConfigError, match=f"'{where}'"):
        parse_config(document)


def test_unreadable_or_non_mapping_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        read_yaml(tmp_path / "absent.yaml")
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        read_yaml(listing)


def test_config_version_is_a_content_hash_of_the_sizing_section():
    default = Layer3Config().config_version
    assert len(default) == 16
    assert int(default, 16) >= 0
    reordered = parse_config(
        {"sizing": {"kelly": {"prior_strength": 10.0, "kelly_fraction": 0.25}}}
    )
    assert reordered.config_version == default
    other_broker = parse_config({"kafka": {"bootstrap_servers": "elsewhere:9092"}})
    assert other_broker.config_version == default


@pytest.mark.parametrize(
    "change",
    [
        {"kelly": {"kelly_fraction": 0.2}},
        {"budgets": {"position_pct": 0.1}},
        {"regime": {"hysteresis_periods": 4}},
        {"cascade": {"weights": {"netflow": 0.1}}},
        {"require_cascade": False},
    ],
)
def test_config_version_changes_when_a_sizing_value_changes(change):
    assert parse_config({"sizing": change}).config_version != Layer3Config().config_version


def test_config_version_is_stable_across_processes():
    code = "from schemas.config import Layer3Config; print(Layer3Config().config_version)"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == Layer3Config().config_version


def test_env_override_reaches_a_regime_multiplier():
    cfg = load_config(REPO_CONFIG, env={"HIMARI_L3__SIZING__REGIME__MULTIPLIERS__CRISIS": "0.1"})
    assert cfg.sizing.regime.multipliers[Regime.CRISIS] == 0.1
    assert cfg.sizing.regime.multipliers[Regime.RANGING] == 1.0


def test_config_version_follows_a_model_copy_that_changes_sizing():
    cfg = Layer3Config()
    before = cfg.config_version
    changed = parse_config({"sizing": {"kelly": {"kelly_fraction": 0.2}}}).sizing
    assert cfg.model_copy(update={"sizing": changed}).config_version != before


def test_book_too_large_for_one_record_is_a_config_error_naming_both_fields():
    document = {"sizing": {"ensemble": {"max_strategies": 100}}}
    with pytest.raises(ConfigError, match=r"ensemble.max_strategies × independence.window"):
        parse_config(document)
    assert parse_config(document | {"sizing": {"ensemble": {"max_strategies": 100},
                                               "independence": {"window": 300}}})  # fmt: skip
