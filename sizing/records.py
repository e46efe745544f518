"""Build the wire records (sized, decision) from core results; ids derive from input offsets."""

import hashlib
from typing import Any

from schemas.enums import Action
from schemas.messages import TacticalSignal
from sizing.portfolio_book import PortfolioBook
from sizing.portfolio_sizing import PortfolioSize, Stage1Input
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef, ref_dict
from sizing.strategy_sizing import StrategySize, SymbolView

_SALTED = hashlib.blake2b(b"himari.l3.decision/", digest_size=16)


def decision_id(trigger: InputRef) -> str:
    """Deterministic: the same input offset always names the same decision."""
    return decision_id_at(trigger.topic, trigger.partition, trigger.offset)


def decision_id_at(topic: str, partition: int, offset: int) -> str:
    """`decision_id` of the input at (topic, partition, offset), without building its ref."""
    h = _SALTED.copy()  # cheaper than a new hash object with keyword arguments
    h.update(f"{topic}/{partition}/{offset}".encode())
    return h.hexdigest()


def correlation_id(given: str | None, trigger: InputRef) -> str:
    return given if given is not None else f"{trigger.topic}/{trigger.partition}/{trigger.offset}"


def view_reads(view: SymbolView) -> dict[str, dict[str, Any] | None]:
    """Lineage of a stage-1 join: the last input applied to each table entry read."""
    return {
        "cascade": ref_dict(view.cascade.source) if view.cascade else None,
        "regime": ref_dict(view.regime.source) if view.regime else None,
        "sentiment": ref_dict(view.sentiment.source) if view.sentiment else None,
        "posterior": ref_dict(view.posterior.source) if view.posterior else None,
        "residuals": ref_dict(view.residuals.source) if view.residuals else None,
    }


def sized_record(
    signal: TacticalSignal,
    trigger: InputRef,
    result: StrategySize,
    view: SymbolView,
    config_version: str,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """`trigger_id`, when given, is `decision_id(trigger)` already computed."""
    return {
        "decision_id": decision_id(trigger) if trigger_id is None else trigger_id,
        "correlation_id": correlation_id(signal.correlation_id, trigger),
        "trigger": trigger.as_dict(),
        "strategy_id": signal.strategy_id,
        "symbol": signal.symbol,
        "portfolio_id": signal.portfolio_id,
        "timestamp_ns": signal.timestamp_ns,
        "action": signal.action,
        "price": signal.price,
        "fraction": result.fraction,
        "strategy_fraction": result.strategy_fraction,
        "symbol_multiplier": result.symbol_multiplier,
        "predicted_volatility": signal.predicted_volatility,
        "waterfall": [
            {"step": s.step, "fraction": s.fraction, "multiplier": s.multiplier}
            for s in result.waterfall
        ],
        "reasons": list(result.reasons),
        "components": result.components,
        "recommendation": result.recommendation,
        "regime": result.regime,
        "reads": view_reads(view),
        "config_version": config_version,
    }


_ACTIONS = {a.value: a for a in Action}


def stage1_input(sized: dict[str, Any]) -> Stage1Input:
    return Stage1Input(
        strategy_id=sized["strategy_id"],
        symbol=sized["symbol"],
        decision_id=sized["decision_id"],
        timestamp_ns=int(sized["timestamp_ns"]),
        action=_ACTIONS[sized["action"]],
        price=float(sized["price"]),
        fraction=float(sized["fraction"]),
        strategy_fraction=float(sized["strategy_fraction"]),
        symbol_multiplier=float(sized["symbol_multiplier"]),
        predicted_volatility=sized["predicted_volatility"],
        waterfall=sized["waterfall"],
        reasons=tuple(sized["reasons"]),
    )


def decision_record(
    sized: dict[str, Any],
    result: PortfolioSize,
    portfolio: PortfolioState | None,
    book: PortfolioBook | None,
    config_version: str,
    processed_at_ns: int,
) -> dict[str, Any]:
    components = {**sized["components"], **result.components}
    reads = dict(sized["reads"])
    reads["portfolio"] = ref_dict(portfolio.source) if portfolio else None
    reads["kill_switch_reset"] = ref_dict(portfolio.control_source) if portfolio else None
    reads["ensemble"] = ref_dict(book.source) if book else None
    return {
        "decision_id": sized["decision_id"],
        "correlation_id": sized["correlation_id"],
        "schema_version": 1,
        "strategy_id": sized["strategy_id"],
        "symbol": sized["symbol"],
        "portfolio_id": sized["portfolio_id"],
        "timestamp_ns": sized["timestamp_ns"],
        "action": sized["action"],
        "side": result.side,
        "strategy_size_usd": result.strategy_size_usd,
        "target_position_usd": result.target_position_usd,
        "target_quantity": result.target_quantity,
        "recommendation": sized["recommendation"],
        "regime": sized["regime"],
        "trading_state": result.trading_state,
        "reasons": result.reasons,
        "waterfall": result.waterfall,
        "components": components,
        # A hot reload can land between the stages: record what each one used.
        "lineage": {
            "trigger": sized["trigger"],
            "reads": reads,
            "config_versions": {"stage1": sized["config_version"], "stage2": config_version},
        },
        "config_version": config_version,
        "processed_at_ns": processed_at_ns,
    }
