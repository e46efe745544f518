"""A recorded history as a replay reads it: the state inputs folded into their entries, and
each answer's first copy indexed by decision id."""

from dataclasses import dataclass, field
from typing import Any

from himari_l3.audit import digested
from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.recorded import Recorded, by_offset, head_id
from himari_l3.collector import collector_off
from schemas.config import Layer3Config
from schemas.messages import TacticalSignal
from schemas.topics import CONTRACT, Topic
from sizing import records
from streams.decoding import decode

# Everything but the signals; the control topic's resets are kept, not folded (audit.resets).
STATE_TOPICS = (
    Topic.ONCHAIN, Topic.REGIME, Topic.SENTIMENT, Topic.OUTCOMES, Topic.PORTFOLIO, Topic.CONTROL
)  # fmt: skip


@dataclass
class History:
    entries: EntryHistory
    tactical: dict[str, Recorded]  # every tactical record, by the id of the decision it triggers
    sized: dict[str, Recorded]  # the first copy of each sized record
    decided: dict[str, Recorded]  # the first copy of each decision
    unequal_sized: list[str] = field(default_factory=list)  # later copies that differ
    unequal_decisions: list[str] = field(default_factory=list)


def read_history(
    inputs: dict[Topic, list[Recorded]],
    sized: list[Recorded],
    decisions: list[Recorded],
    cfg: Layer3Config,
) -> History:
    """Fold the state inputs and index the answers; no signal is decoded yet."""
    with collector_off():  # see `collector_off`: 1.5 s of 3.6 at a million signals
        signals = inputs.get(Topic.TACTICAL, [])
        tactical = {rec.given_id or records.decision_id(rec.ref): rec for rec in signals}
        history = History(fold_state(inputs, cfg), tactical, {}, {})
        history.sized = first_copies(sized, history.unequal_sized)
        history.decided = first_copies(decisions, history.unequal_decisions)
    return history


def signal_id(topic: str, partition: int, offset: int, _value: bytes) -> str:
    """The id of the decision the tactical signal at (topic, partition, offset) triggers: what a
    reader works out for `Recorded.given_id`, in parallel, for `read_history` to index by."""
    return records.decision_id_at(topic, partition, offset)


def answer_id(_topic: str, _partition: int, _offset: int, value: bytes) -> str | None:
    """An answer's id, when it starts with it (`Recorded.decision_id`); for `given_id`."""
    return head_id(value)


def valid(rec: Recorded, topic: Topic, cfg: Layer3Config) -> Any:
    """The message, when the worker would take it (decoded as it decodes); else None."""
    contract = CONTRACT[topic]
    assert contract.model is not None and contract.key_field is not None
    msg = decode(
        rec.value, rec.key, contract.model, contract.key_field, cfg.inputs.max_message_bytes
    )
    return None if not isinstance(msg, contract.model) else msg


def valid_signals(
    history: History, cfg: Layer3Config
) -> dict[str, tuple[Recorded, TacticalSignal]]:
    """The tactical signals the worker decides (the others it dead-letters), by decision id."""
    return {
        decision_id: (rec, msg)
        for decision_id, rec in history.tactical.items()
        if (msg := valid(rec, Topic.TACTICAL, cfg)) is not None
    }


def first_copies(recs: list[Recorded], unequal: list[str] | None = None) -> dict[str, Recorded]:
    """The first copy of each answer in partition order; later copies must be byte-identical
    (the ids of those that are not go to `unequal`)."""
    first: dict[str, Recorded] = {}
    for rec in by_offset(recs):
        decision_id = rec.decision_id
        seen = first.setdefault(decision_id, rec)
        if unequal is not None and seen is not rec and digested.unequal(seen, rec):
            unequal.append(decision_id)
    return first


def fold_state(inputs: dict[Topic, list[Recorded]], cfg: Layer3Config) -> EntryHistory:
    """Every state input folded into its entries, each topic in partition offset order."""
    entries = EntryHistory(cfg.sizing)
    for topic in STATE_TOPICS:
        for rec in by_offset(inputs.get(topic, [])):
            msg = valid(rec, topic, cfg)
            if msg is not None:
                entries.apply(msg, rec.ref)
    return entries
