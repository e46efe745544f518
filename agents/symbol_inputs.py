"""Agent on the per-symbol inputs: update cascade/regime/sentiment/posterior/residual tables,
and size tactical signals (stage 1) against them, as of now."""

import logging
from collections.abc import Callable
from typing import Any

import faust
import orjson

from agents import answers
from agents.answers import Fence
from agents.batching import consume, dead_letter_on_error, decode_input
from schemas.messages import (
    OnChainSignal,
    RegimeObservation,
    SentimentObservation,
    TacticalSignal,
    TradeOutcome,
)
from schemas.topics import Topic
from sizing import entry_expiry, records, state_updates, strategy_sizing
from sizing.cascade import CascadeAssessment
from sizing.entry_expiry import Expiry
from sizing.refs import InputRef
from sizing.regime_hysteresis import RegimeState
from sizing.replies import Replies
from sizing.sentiment import SentimentReading
from sizing.strategy_sizing import SymbolView
from sizing.track_record import TrackRecord
from streams import metrics
from streams.outbox import Outbox
from streams.runtime import Runtime

log = logging.getLogger(__name__)


def on_onchain(msg: OnChainSignal, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    def update(_: CascadeAssessment | None) -> CascadeAssessment:
        assessment = state_updates.on_onchain(msg, rt.sizing, ref)
        metrics.record_cascade(msg.symbol, assessment.components)
        return assessment

    expiry = state_updates.symbol_state_expiry(rt.sizing)
    write(rt.tables.cascade, msg.symbol, ref, msg.timestamp_ns, expiry, update, out)


def on_regime(msg: RegimeObservation, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    def update(state: RegimeState | None) -> RegimeState:
        new = state_updates.on_regime(msg, state, rt.sizing, ref)
        flips = 0 if state is None else state.false_flip_count
        metrics.record_regime(msg.symbol, flips, new.false_flip_count, new.confirmation_count)
        return new

    expiry = state_updates.symbol_state_expiry(rt.sizing)
    write(rt.tables.regime, msg.symbol, ref, msg.timestamp_ns, expiry, update, out)


def on_sentiment(msg: SentimentObservation, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    def update(_: SentimentReading | None) -> SentimentReading:
        return state_updates.on_sentiment(msg, ref)

    expiry = state_updates.symbol_state_expiry(rt.sizing)
    write(rt.tables.sentiment, msg.symbol, ref, msg.timestamp_ns, expiry, update, out)


def on_outcome(msg: TradeOutcome, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    def update(track: TrackRecord | None) -> TrackRecord:
        regime = state_updates.outcome_regime(msg, rt.tables.regime.data.get(msg.symbol))
        if regime is None:
            log.warning(
                "outcome %s has no regime and %s has none confirmed: posterior not updated",
                ref,
                msg.symbol,
            )
        return state_updates.track_outcome(msg, regime, track, rt.sizing, ref)

    key = state_updates.track_key(msg.strategy_id, msg.symbol)
    expiry = state_updates.track_record_expiry(rt.sizing)
    write(rt.tables.track_record, key, ref, msg.timestamp_ns, expiry, update, out)


def write(
    table: Any,
    key: str,
    ref: InputRef,
    event_ns: int,
    expiry: Expiry,
    update: Callable[[Any], Any],
    out: Outbox,
) -> None:
    """Apply one input to `table[key]`, with the expiry sweep its partition is due."""
    for k, value in entry_expiry.apply(table.data, key, ref, event_ns, expiry, update):
        out.put(table, k, value, ref.partition)


def symbol_view(sig: TacticalSignal, rt: Runtime) -> SymbolView:
    t = rt.tables
    regime = t.regime.data.get(sig.symbol)
    track = t.track_record.data.get(state_updates.track_key(sig.strategy_id, sig.symbol))
    return SymbolView(
        cascade=t.cascade.data.get(sig.symbol),
        regime=regime,
        sentiment=t.sentiment.data.get(sig.symbol),
        posterior=None if track is None or regime is None else track.posterior(regime.current),
        residuals=None if track is None else track.residuals,
    )


def on_tactical(sig: TacticalSignal, ref: InputRef, rt: Runtime, out: Outbox) -> None:
    """Stage 1; a redelivered signal gets its first answer, not one sized against newer state."""
    table, key = rt.tables.sized_replies, str(ref.partition)
    replies = table.data.get(key) or Replies()
    to, trigger = (rt.names[Topic.SIZED], sig.portfolio_id.encode()), (ref.partition, ref.offset)
    reply_id = records.decision_id(ref)
    fence = answers.answer_again(out, replies, to, trigger, reply_id)
    if fence is Fence.FRESH:
        view = symbol_view(sig, rt)
        result = strategy_sizing.size(sig, view, rt.sizing)
        sized = records.sized_record(sig, ref, result, view, rt.version, reply_id)
        answers.answer(out, replies, to, trigger, reply_id, orjson.dumps(sized))
    if fence is not Fence.DELIVERED:
        out.put(table, key, replies, ref.partition)


APPLY: dict[Topic, Any] = {
    Topic.ONCHAIN: on_onchain,
    Topic.REGIME: on_regime,
    Topic.SENTIMENT: on_sentiment,
    Topic.OUTCOMES: on_outcome,
    Topic.TACTICAL: on_tactical,
}


def handle(message: Any, rt: Runtime, out: Outbox) -> None:
    decoded = decode_input(message, rt, out)
    if decoded is not None:
        msg, ref = decoded
        metrics.INPUTS.labels(message.topic).inc()
        with dead_letter_on_error(message, ref, rt, out):
            APPLY[rt.topics[message.topic]](msg, ref, rt, out)


def register(app: faust.App, rt: Runtime) -> Any:
    topic = app.topic(*(rt.names[t] for t in APPLY), key_serializer="raw", value_serializer="raw")

    @app.agent(topic, name="symbol_inputs")
    async def symbol_inputs(stream: Any) -> None:
        await consume(stream, rt, handle)

    return symbol_inputs
