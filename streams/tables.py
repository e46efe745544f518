"""The worker's tables (DESIGN §4) and offset-fenced, batched writes to them."""

from dataclasses import dataclass
from typing import Any

import faust
from faust.serializers import codecs
from faust.types import TableT

from sizing.cascade import CascadeAssessment
from sizing.portfolio_book import PortfolioBook, WeightPage
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef, applied
from sizing.regime_hysteresis import RegimeState
from sizing.replies import Replies
from sizing.sentiment import SentimentReading
from sizing.track_record import TrackRecord
from streams.codecs import StateCodec


class Utf8Codec(codecs.Codec):
    """Table keys are str in memory and UTF-8 on the changelog."""

    def _dumps(self, obj: Any) -> bytes:
        return str(obj).encode()

    def _loads(self, s: bytes) -> Any:
        return s.decode()


TABLE_STATES: dict[str, Any] = {
    "cascade": CascadeAssessment,
    "regime": RegimeState,
    "sentiment": SentimentReading,
    "track_record": TrackRecord,
    "portfolio": PortfolioState,
    "ensemble": PortfolioBook,
    "weight_history": WeightPage,
    "sized_replies": Replies,
    "refused_replies": Replies,
}


@dataclass(frozen=True)
class Tables:
    cascade: TableT[str, CascadeAssessment]
    regime: TableT[str, RegimeState]
    sentiment: TableT[str, SentimentReading]
    track_record: TableT[str, TrackRecord]  # key "strategy|symbol": posteriors and residuals
    portfolio: TableT[str, PortfolioState]
    ensemble: TableT[str, PortfolioBook]
    weight_history: TableT[str, WeightPage]  # key "portfolio_id|page", a ring per portfolio
    sized_replies: TableT[str, Replies]  # key: the tactical partition; its last batch's answers
    # key: the sized partition; its last batch's answers to portfolios it has no room for
    refused_replies: TableT[str, Replies]


def create_tables(app: faust.App, partitions: int) -> Tables:
    return Tables(
        **{name: _table(app, name, cls, partitions) for name, cls in TABLE_STATES.items()}
    )


class StateTable(faust.Table[str, Any]):
    """A table whose changelog decodes with its schema's codecs.

    faust derives serializers from key_type/value_type ("json" without them) and writes them
    over the schema of the changelog topic: recovery then JSON-decodes "BTC-USD" and stalls.
    """

    def _serializer_from_type(self, typ: Any) -> Any:
        return None


def _table(app: faust.App, name: str, state_cls: Any, partitions: int) -> TableT[str, Any]:
    schema: Any = faust.Schema(key_serializer=Utf8Codec(), value_serializer=StateCodec(state_cls))
    table = StateTable(
        app, name=name, partitions=partitions, schema=schema, beacon=app.tables.beacon
    )
    app.tables.add(table)
    return table


def fenced(entry: Any, ref: InputRef) -> bool:
    """True when `ref` (or a later input of its partition) was already applied to `entry`."""
    return applied(None if entry is None else entry.source, ref)
