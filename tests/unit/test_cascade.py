"""Seed 000 §11.1 EnhancedCascadeDetector: components, weights, bands, diagnostics, mapping."""

import math

import pytest
from factories import CFG, TS

from schemas.enums import CascadeRecommendation as Rec
from schemas.messages import OnChainSignal
from sizing import cascade, state_updates
from sizing.cascade import CascadeIndicators
from sizing.refs import InputRef

CALM = {
    "funding_rate": 0.0,
    "oi_change_pct": 0.0,
    "volume_ratio": 1.0,
    "onchain_whale_pressure": 0.0,
    "exchange_netflow_zscore": 0.0,
}


def indicators(**over: float) -> CascadeIndicators:
    return CascadeIndicators(**{**CALM, **over})


# (indicator, value, component, expected component risk) — thresholds are strict ">".
COMPONENT_TABLE = [
    ("funding_rate", 0.003, "funding_risk", 0.0),  # at threshold: not above
    ("funding_rate", 0.0031, "funding_risk", 0.31),  # 0.0031 / 0.01
    ("funding_rate", 0.005, "funding_risk", 0.5),
    ("funding_rate", -0.005, "funding_risk", 0.5),  # absolute value
    ("funding_rate", 0.02, "funding_risk", 1.0),  # capped at 1 % funding
    ("oi_change_pct", -0.10, "oi_risk", 0.0),  # at threshold
    ("oi_change_pct", -0.15, "oi_risk", 0.5),  # 0.15 / 0.30
    ("oi_change_pct", -0.45, "oi_risk", 1.0),  # capped at -30 %
    ("oi_change_pct", 0.50, "oi_risk", 0.0),  # rising OI is no collapse
    ("volume_ratio", 5.0, "volume_risk", 0.0),  # at threshold
    ("volume_ratio", 5.5, "volume_risk", 0.55),  # 5.5 / 10
    ("volume_ratio", 20.0, "volume_risk", 1.0),  # capped at 10x
    ("onchain_whale_pressure", 0.7, "whale_risk", 0.0),  # at threshold
    ("onchain_whale_pressure", 0.71, "whale_risk", 0.71),  # the pressure itself
    ("onchain_whale_pressure", 1.0, "whale_risk", 1.0),
    ("exchange_netflow_zscore", 2.0, "netflow_risk", 0.0),  # at threshold
    ("exchange_netflow_zscore", -2.0, "netflow_risk", 0.0),
    ("exchange_netflow_zscore", 3.0, "netflow_risk", 0.75),  # 3 / 4
    ("exchange_netflow_zscore", -3.0, "netflow_risk", 0.75),  # absolute value
    ("exchange_netflow_zscore", 8.0, "netflow_risk", 1.0),  # capped at 4 sigma
]


@pytest.mark.parametrize(("field", "value", "component", "expected"), COMPONENT_TABLE)
def test_component_risk_follows_threshold_and_cap(field, value, component, expected):
    comp = cascade.risk_components(indicators(**{field: value}), CFG.cascade)
    assert comp[component] == pytest.approx(expected)
    assert all(v == 0.0 for k, v in comp.items() if k != component)


# (funding, oi, volume, whale, z) → aggregate risk, recommendation, dominant factor, breaches
AGGREGATE_TABLE = [
    ((0.001, -0.05, 1.5, 0.3, 0.5), 0.0, Rec.MONITOR, "none", ()),
    ((0.005, 0.0, 1.0, 0.0, 0.0), 0.10, Rec.MONITOR, "funding_risk", ()),  # 0.2·0.5
    ((0.0, 0.0, 1.0, 0.95, 0.0), 0.2375, Rec.MONITOR, "whale_risk", ("whale_risk",)),
    ((0.0, -0.30, 1.0, 0.0, 4.0), 0.40, Rec.MONITOR, "oi_risk", ("oi_risk", "netflow_risk")),
    ((0.0, -0.30, 1.0, 0.8, 0.0), 0.45, Rec.REDUCE_50, "oi_risk", ("oi_risk", "whale_risk")),
    (
        (0.01, -0.30, 1.0, 0.9, 0.0),  # 0.2 + 0.25 + 0.225
        0.675,
        Rec.REDUCE_75,
        "funding_risk",
        ("funding_risk", "oi_risk", "whale_risk"),
    ),
    (
        (0.006, -0.24, 7.0, 0.9, 3.2),  # 0.12 + 0.2 + 0.105 + 0.225 + 0.12
        0.77,
        Rec.REDUCE_75,
        "whale_risk",
        ("funding_risk", "oi_risk", "volume_risk", "whale_risk", "netflow_risk"),
    ),
    (
        (0.01, -0.30, 10.0, 1.0, 0.0),  # 0.2 + 0.25 + 0.15 + 0.25
        0.85,
        Rec.EXIT,
        "funding_risk",
        ("funding_risk", "oi_risk", "volume_risk", "whale_risk"),
    ),
    (
        (0.05, -0.90, 50.0, 1.0, -9.0),  # every component capped: weights sum to 1
        1.0,
        Rec.EXIT,
        "funding_risk",  # a tie goes to the first component, as the seed's max() does
        ("funding_risk", "oi_risk", "volume_risk", "whale_risk", "netflow_risk"),
    ),
]


@pytest.mark.parametrize(("ind", "risk", "rec", "dominant", "breaches"), AGGREGATE_TABLE)
def test_weighted_aggregate_recommendation_and_diagnostics(ind, risk, rec, dominant, breaches):
    result = cascade.assess(CascadeIndicators(*ind), CFG.cascade, TS)
    assert result.risk_score == pytest.approx(risk)
    assert result.recommendation is rec
    assert result.dominant_factor == dominant
    assert result.threshold_breaches == breaches
    diag = result.diagnostics()
    assert diag["dominant_factor"] == dominant
    assert diag["threshold_breaches"] == list(breaches)
    assert set(diag["components"]) == set(cascade.COMPONENTS)


def test_dominant_factor_is_none_when_all_components_are_zero():
    result = cascade.assess(indicators(), CFG.cascade, TS)
    assert result.components == dict.fromkeys(cascade.COMPONENTS, 0.0)
    assert result.dominant_factor == "none"
    assert result.threshold_breaches == ()


def test_component_of_exactly_half_is_not_a_threshold_breach():
    result = cascade.assess(indicators(funding_rate=0.005), CFG.cascade, TS)
    assert result.components["funding_risk"] == 0.5
    assert result.threshold_breaches == ()


@pytest.mark.parametrize(
    ("risk", "rec"),
    [
        (0.0, Rec.MONITOR),
        (0.4, Rec.MONITOR),
        (math.nextafter(0.4, 1.0), Rec.REDUCE_50),
        (0.6, Rec.REDUCE_50),
        (math.nextafter(0.6, 1.0), Rec.REDUCE_75),
        (0.8, Rec.REDUCE_75),
        (math.nextafter(0.8, 1.0), Rec.EXIT),
        (1.0, Rec.EXIT),
    ],
)
def test_band_edges_are_strictly_above(risk, rec):
    assert cascade.recommend(risk, CFG.cascade) is rec


@pytest.mark.parametrize(
    ("rec", "mult"),
    [(Rec.EXIT, 0.0), (Rec.REDUCE_75, 0.25), (Rec.REDUCE_50, 0.5), (Rec.MONITOR, 1.0)],
)
def test_recommendation_size_multiplier(rec, mult):
    assert cascade.multiplier(rec, CFG.cascade) == mult


# antigravity (coherence, entropy, energy_density, schwarzschild_radius, hawking_temperature)
# → (funding_rate, oi_change_pct, volume_ratio, whale_pressure, netflow_zscore)
ANTIGRAVITY_TABLE = [
    ((0.5, 1.0, 0.6, 0.8, 1.0), (0.005, -0.1, 6.0, 0.8, 2.0)),
    ((0.0, 0.0, 0.0, 0.0, 0.0), (0.0, 0.1, 0.0, 0.0, -2.0)),
    ((1.0, 1.0, 1.0, 1.0, 1.0), (0.01, -0.1, 10.0, 1.0, 2.0)),
    ((0.25, 0.75, 0.3, 0.5, 0.25), (0.0025, -0.05, 3.0, 0.5, -1.0)),
    ((0.4, 0.5, 0.5, 0.9, 0.5), (0.004, 0.0, 5.0, 0.9, 0.0)),
]
AG_NAMES = ("coherence", "entropy", "energy_density", "schwarzschild_radius", "hawking_temperature")


@pytest.mark.parametrize(("ag", "expected"), ANTIGRAVITY_TABLE)
def test_antigravity_maps_to_indicators_as_the_seed_does(ag, expected):
    msg = OnChainSignal(
        timestamp_ns=TS, symbol="BTC", antigravity=dict(zip(AG_NAMES, ag, strict=True))
    )
    ind = cascade.indicators_of(msg)
    got = (
        ind.funding_rate,
        ind.oi_change_pct,
        ind.volume_ratio,
        ind.onchain_whale_pressure,
        ind.exchange_netflow_zscore,
    )
    assert got == pytest.approx(expected)


def test_saturated_antigravity_reaches_only_reduce_50():
    # All ones: funding 1.0·0.2 + volume 1.0·0.15 + whale 1.0·0.25 = 0.6 (OI and netflow sit
    # exactly on their thresholds), which is not above 0.6.
    msg = OnChainSignal(timestamp_ns=TS, symbol="BTC", antigravity=dict.fromkeys(AG_NAMES, 1.0))
    src = InputRef("himari.l1.onchain", 3, 42)
    result = state_updates.on_onchain(msg, CFG, src)
    assert result.risk_score == pytest.approx(0.6)
    assert result.recommendation is Rec.REDUCE_50
    assert result.threshold_breaches == ("funding_risk", "volume_risk", "whale_risk")
    assert result.source == src
    assert result.timestamp_ns == TS


def test_explicit_indicators_pass_through_unchanged():
    msg = OnChainSignal(
        timestamp_ns=TS,
        symbol="ETH",
        funding_rate=-0.004,
        oi_change_pct=-0.2,
        volume_ratio=6.0,
        onchain_whale_pressure=0.75,
        exchange_netflow_zscore=-2.5,
        liquidation_volume_24h=1e6,
    )
    assert cascade.indicators_of(msg) == CascadeIndicators(-0.004, -0.2, 6.0, 0.75, -2.5, 1e6)


def test_assessment_round_trips_through_its_table_form():
    result = cascade.assess(CascadeIndicators(0.006, -0.24, 7.0, 0.9, 3.2), CFG.cascade, TS)
    assert cascade.CascadeAssessment.from_dict(result.as_dict()) == result
