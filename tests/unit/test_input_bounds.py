"""Bounds that keep every derived figure finite and every table key unambiguous."""

import math

import pytest
from pydantic import ValidationError

from schemas.config_loading import parse_config
from schemas.messages import TacticalSignal

T = 1_763_700_000_000_000_000


def signal(**overrides: object) -> dict[str, object]:
    doc: dict[str, object] = {"timestamp_ns": T, "strategy_id": "s", "symbol": "BTC-USD", "action": "BUY",
                              "confidence": 0.6, "risk_score": 0.2, "price": 100.0}  # fmt: skip
    doc.update(overrides)
    return doc


@pytest.mark.parametrize(
    ("field", "value"),
    [("predicted_volatility", 1e-200), ("price", 1e-320), ("price", 0.0)],
)
def test_values_that_would_make_sizes_infinite_are_rejected_naming_the_field(
    field: str, value: float
) -> None:
    extra = {"expected_return": 0.01} if field == "predicted_volatility" else {}
    with pytest.raises(ValidationError) as err:
        TacticalSignal.model_validate(signal(**{field: value}, **extra))
    assert field in str(err.value)


def test_smallest_accepted_volatility_keeps_kelly_finite() -> None:
    from sizing.kelly import continuous

    sig = TacticalSignal.model_validate(signal(expected_return=10.0, predicted_volatility=1e-6))
    assert sig.predicted_volatility is not None
    assert math.isfinite(continuous(1.0, 10.0, sig.predicted_volatility).f_star)


@pytest.mark.parametrize("field", ["strategy_id", "symbol", "portfolio_id"])
def test_names_with_the_table_key_separator_are_rejected(field: str) -> None:
    with pytest.raises(ValidationError) as err:
        TacticalSignal.model_validate(signal(**{field: "a|b"}))
    assert field in str(err.value)


@pytest.mark.parametrize("secret", ["abc #1", "123456", "p@ss: word", "*secret", "true"])
def test_secrets_from_the_environment_stay_text(secret: str) -> None:
    cfg = parse_config(
        {}, {"KAFKA_SASL_PASSWORD": secret, "HIMARI_L3__KAFKA__SASL_USERNAME": secret}
    )
    assert cfg.kafka.sasl_password is not None
    assert cfg.kafka.sasl_password.get_secret_value() == secret
    assert cfg.kafka.sasl_username == secret
