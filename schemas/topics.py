"""The topic contract of DESIGN §2: names, key fields and value models."""

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from schemas.messages import (
    KillSwitchReset,
    OnChainSignal,
    PortfolioSnapshot,
    RegimeObservation,
    SentimentObservation,
    TacticalSignal,
    TradeOutcome,
)
from schemas.outputs import DeadLetter, SizedSignal, SizingDecision


class Topic(StrEnum):
    ONCHAIN = "himari.l1.onchain"
    REGIME = "himari.l2.regime"
    SENTIMENT = "himari.l2.sentiment"
    TACTICAL = "himari.l2.tactical"
    OUTCOMES = "himari.l3.outcomes"
    PORTFOLIO = "himari.l3.portfolio"
    CONTROL = "himari.l3.control"
    CONFIG = "himari.l3.config"
    SIZED = "himari.l3.sized"
    DECISIONS = "himari.l3.decisions"
    DEADLETTER = "himari.l3.deadletter"


@dataclass(frozen=True, slots=True)
class TopicContract:
    topic: Topic
    key_field: str | None
    model: type[BaseModel] | None
    partitioned_by: str  # "symbol" or "portfolio_id": topics with equal values are co-partitioned
    compacted: bool = False


CONTRACT: dict[Topic, TopicContract] = {
    c.topic: c
    for c in (
        TopicContract(Topic.ONCHAIN, "symbol", OnChainSignal, "symbol"),
        TopicContract(Topic.REGIME, "symbol", RegimeObservation, "symbol"),
        TopicContract(Topic.SENTIMENT, "symbol", SentimentObservation, "symbol"),
        TopicContract(Topic.TACTICAL, "symbol", TacticalSignal, "symbol"),
        TopicContract(Topic.OUTCOMES, "symbol", TradeOutcome, "symbol"),
        TopicContract(Topic.PORTFOLIO, "portfolio_id", PortfolioSnapshot, "portfolio_id"),
        TopicContract(Topic.CONTROL, "portfolio_id", KillSwitchReset, "portfolio_id"),
        TopicContract(Topic.CONFIG, None, None, "config", compacted=True),
        TopicContract(Topic.SIZED, "portfolio_id", SizedSignal, "portfolio_id"),
        TopicContract(Topic.DECISIONS, "symbol", SizingDecision, "symbol"),
        TopicContract(Topic.DEADLETTER, None, DeadLetter, "deadletter"),
    )
}

# The config topic is compacted: every record needs a key, and the contract's is this one.
CONFIG_KEY = b"layer3"

INPUT_TOPICS = (
    Topic.ONCHAIN,
    Topic.REGIME,
    Topic.SENTIMENT,
    Topic.TACTICAL,
    Topic.OUTCOMES,
    Topic.PORTFOLIO,
    Topic.CONTROL,
)


def full_name(topic: Topic, prefix: str) -> str:
    """The topic's name on the broker: the configurable prefix, then the contract name."""
    return f"{prefix}{topic.value}"


def contract_for(name: str, prefix: str) -> TopicContract | None:
    """The contract of a broker topic name, or None when the name is not one of ours."""
    base = name.removeprefix(prefix) if prefix else name
    try:
        return CONTRACT[Topic(base)]
    except ValueError:
        return None
