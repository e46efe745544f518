"""Message models (DESIGN §3): errors name the field, enums parse case-insensitively, no NaN."""

import inspect

import orjson
import pydantic
import pytest
from factories import TS

from schemas import messages, outputs
from schemas.enums import Action, Regime, Trend
from schemas.messages import (
    OnChainSignal,
    PortfolioSnapshot,
    RegimeObservation,
    SentimentObservation,
    TacticalSignal,
    TradeOutcome,
)

BASE = {
    TacticalSignal: {
        "strategy_id": "m",
        "symbol": "BTC",
        "action": "BUY",
        "confidence": 0.5,
        "risk_score": 0.2,
        "price": 100.0,
    },
    OnChainSignal: {
        "symbol": "BTC",
        "funding_rate": 0.001,
        "oi_change_pct": -0.05,
        "volume_ratio": 1.2,
        "onchain_whale_pressure": 0.3,
        "exchange_netflow_zscore": 0.4,
    },
    RegimeObservation: {"symbol": "BTC", "regime": "RANGING"},
    SentimentObservation: {"symbol": "BTC", "trend": "NEUTRAL", "strength": 0.5},
    TradeOutcome: {"strategy_id": "m", "symbol": "BTC", "realized_return": 0.01},
    PortfolioSnapshot: {"portfolio_id": "p", "equity_usd": 1e5, "realized_pnl_today_usd": 0.0},
}
AG = {
    "coherence": 0.1,
    "entropy": 0.2,
    "energy_density": 0.3,
    "schwarzschild_radius": 0.4,
    "hawking_temperature": 0.5,
}
NO_INDICATORS = dict.fromkeys(BASE[OnChainSignal], ...) | {"symbol": "BTC"}


def build(model, **over):
    fields = {"timestamp_ns": TS, **BASE[model], **over}
    return model(**{k: v for k, v in fields.items() if v is not ...})


def rejects(model, field_name, **over):
    with pytest.raises(pydantic.ValidationError) as err:
        build(model, **over)
    assert field_name in str(err.value)


@pytest.mark.parametrize("model", list(BASE))
def test_base_messages_are_valid(model):
    assert build(model).timestamp_ns == TS


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (TacticalSignal, "action", "BULLISH"),
        (TacticalSignal, "action", "LONG"),
        (TacticalSignal, "regime", "SIDEWAYS"),
        (RegimeObservation, "regime", "BULL"),
        (TradeOutcome, "regime", "NORMAL"),
        (SentimentObservation, "trend", "POSITIVE"),
    ],
)
def test_unknown_enum_value_names_the_field(model, field, value):
    rejects(model, field, **{field: value})


def test_unknown_signal_sentiment_trend_names_the_field():
    rejects(TacticalSignal, "sentiment_trend", sentiment_trend="UP", sentiment_strength=0.5)


@pytest.mark.parametrize(
    ("model", "field", "raw", "parsed"),
    [
        (TacticalSignal, "action", "strong_buy", Action.STRONG_BUY),
        (TacticalSignal, "action", "Sell", Action.SELL),
        (TacticalSignal, "action", "hold", Action.HOLD),
        (TacticalSignal, "regime", "trending_down", Regime.TRENDING_DOWN),
        (TacticalSignal, "regime", "crisis_flight", Regime.CRISIS),
        (RegimeObservation, "regime", "High_Volatility", Regime.HIGH_VOLATILITY),
        (SentimentObservation, "trend", "bearish", Trend.BEARISH),
    ],
)
def test_enum_parsing_is_case_insensitive(model, field, raw, parsed):
    assert getattr(build(model, **{field: raw}), field) is parsed


def test_json_input_parses_case_insensitively():
    doc = {"timestamp_ns": TS, **BASE[TacticalSignal], "action": "strong_sell", "price": 3}
    msg = TacticalSignal.model_validate_json(orjson.dumps(doc))
    assert (msg.action, msg.price) == (Action.STRONG_SELL, 3.0)


NON_FINITE = [float("nan"), float("inf"), float("-inf")]
FLOAT_FIELDS = (
    [
        (TacticalSignal, f)
        for f in (
            "confidence",
            "risk_score",
            "price",
            "expected_return",
            "predicted_volatility",
            "signal_strength",
        )
    ]
    + [
        (OnChainSignal, f)
        for f in (
            "funding_rate",
            "oi_change_pct",
            "volume_ratio",
            "onchain_whale_pressure",
            "exchange_netflow_zscore",
            "liquidation_volume_24h",
        )
    ]
    + [
        (SentimentObservation, "strength"),
        (TradeOutcome, "realized_return"),
        (TradeOutcome, "predicted_return"),
        (PortfolioSnapshot, "equity_usd"),
        (PortfolioSnapshot, "realized_pnl_today_usd"),
        (PortfolioSnapshot, "peak_equity_usd"),
    ]
)


@pytest.mark.parametrize("bad", NON_FINITE, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize(("model", "field"), FLOAT_FIELDS)
def test_non_finite_numbers_are_rejected(model, field, bad):
    rejects(model, field, **{field: bad})


def test_non_finite_inside_nested_objects_is_rejected():
    positions = {"BTC": {"quantity": 1.0, "market_value_usd": float("nan")}}
    rejects(PortfolioSnapshot, "positions.BTC.market_value_usd", positions=positions)
    ag = {**AG, "entropy": float("inf")}
    rejects(OnChainSignal, "antigravity.entropy", **NO_INDICATORS, antigravity=ag)


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (TacticalSignal, "confidence", -0.01),
        (TacticalSignal, "confidence", 1.01),
        (TacticalSignal, "risk_score", 1.5),
        (TacticalSignal, "price", 0.0),
        (TacticalSignal, "price", -5.0),
        (TacticalSignal, "predicted_volatility", 0.0),
        (TacticalSignal, "confidence", "0.5"),  # mistyped
        (OnChainSignal, "onchain_whale_pressure", 1.1),
        (OnChainSignal, "volume_ratio", -1.0),
        (OnChainSignal, "oi_change_pct", -1.5),
        (SentimentObservation, "strength", 1.2),
        (PortfolioSnapshot, "equity_usd", 0.0),
        (RegimeObservation, "timestamp_ns", 1_700_000_000),  # seconds, not ns
        (RegimeObservation, "timestamp_ns", 1_700_000_000_000),  # ms
        (RegimeObservation, "schema_version", 2),
        (RegimeObservation, "symbol", ""),
        (TacticalSignal, "price", ...),  # missing
        (TacticalSignal, "strategy_id", ...),
    ],
)
def test_out_of_range_or_missing_value_names_the_field(model, field, value):
    rejects(model, field, **{field: value})


def test_sentiment_fields_must_come_together():
    rejects(TacticalSignal, "sentiment_strength", sentiment_trend="BEARISH")
    rejects(TacticalSignal, "sentiment_trend", sentiment_strength=0.4)
    both = build(TacticalSignal, sentiment_trend="bearish", sentiment_strength=0.4)
    assert (both.sentiment_trend, both.sentiment_strength) == (Trend.BEARISH, 0.4)


def test_onchain_accepts_either_five_indicators_or_antigravity():
    assert build(OnChainSignal).antigravity is None
    assert build(OnChainSignal, **NO_INDICATORS, antigravity=AG).antigravity.coherence == 0.1


@pytest.mark.parametrize("missing", list(messages._INDICATOR_FIELDS))
def test_onchain_with_an_indicator_missing_names_it(missing):
    rejects(OnChainSignal, missing, **{missing: ...})


def test_onchain_with_nothing_names_a_required_field_and_antigravity():
    rejects(OnChainSignal, "funding_rate", **NO_INDICATORS)
    rejects(OnChainSignal, "antigravity", **NO_INDICATORS)


def test_onchain_with_both_forms_is_rejected():
    rejects(OnChainSignal, "antigravity", antigravity=AG)
    rejects(OnChainSignal, "antigravity", **{**NO_INDICATORS, "funding_rate": 0.01}, antigravity=AG)


def test_antigravity_values_are_unit_interval():
    rejects(
        OnChainSignal,
        "antigravity.coherence",
        **NO_INDICATORS,
        antigravity={**AG, "coherence": 1.5},
    )


def pydantic_models(module):
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, pydantic.BaseModel) and obj.__module__ == module.__name__
    ]


ALL_MODELS = pydantic_models(messages) + pydantic_models(outputs)


def test_every_message_and_output_model_is_covered():
    names = {m.__name__ for m in ALL_MODELS}
    assert {"TacticalSignal", "OnChainSignal", "SizingDecision", "DeadLetter"} <= names


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_json_schema_exports(model, mode):
    schema = model.model_json_schema(mode=mode)
    assert schema["type"] == "object"
    assert schema["properties"]
    orjson.dumps(schema)


def test_json_schema_lists_enum_values():
    schema = TacticalSignal.model_json_schema()
    assert set(schema["$defs"]["Action"]["enum"]) == {a.value for a in Action}
    assert set(schema["$defs"]["Regime"]["enum"]) == {r.value for r in Regime}
