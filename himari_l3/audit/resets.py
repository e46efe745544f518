"""A portfolio's entry as a decision read it, kill-switch resets included.

Snapshots and resets change one entry from two topics, in an order the worker chose and no
partition records. A reset records the snapshot it followed (`after_snapshot`), and from then on
the state depends only on that snapshot, the reset and the later snapshots: so the state a
decision read is the fold of the snapshots up to that one, the reset, then the later snapshots.
"""

from collections import defaultdict
from typing import Any

from himari_l3.audit.errors import LineageError
from schemas.config import SizingConfig
from schemas.messages import KillSwitchReset, PortfolioSnapshot
from sizing import portfolio_state
from sizing.portfolio_state import PortfolioState
from sizing.refs import InputRef

RefKey = tuple[str, int, int]


def _key(read: dict[str, Any]) -> RefKey:
    return read["topic"], read["partition"], read["offset"]


class PortfolioResets:
    """The resets by input, and each portfolio's snapshots in offset order."""

    def __init__(self, cfg: SizingConfig) -> None:
        self.cfg = cfg
        self.commands: dict[RefKey, KillSwitchReset] = {}
        self.snapshots: dict[str, list[tuple[InputRef, PortfolioSnapshot]]] = defaultdict(list)

    def add_reset(self, cmd: KillSwitchReset, ref: InputRef) -> None:
        self.commands[(ref.topic, ref.partition, ref.offset)] = cmd

    def add_snapshot(self, snap: PortfolioSnapshot, ref: InputRef) -> None:
        self.snapshots[snap.portfolio_id].append((ref, snap))

    def state(
        self,
        at_snapshot: PortfolioState,
        reset: dict[str, Any],
        last_reset: dict[str, Any],
        read: dict[str, Any],
    ) -> PortfolioState:
        """`at_snapshot` (the fold up to the snapshot the reset followed), the reset applied,
        then every later snapshot of the portfolio up to the one `read` names."""
        cmd = self.commands.get(_key(reset))
        if cmd is None:
            raise LineageError(f"kill-switch reset {reset} is not on the control topic")
        state = portfolio_state.apply_reset(at_snapshot, cmd, InputRef(*_key(reset)))
        after = _key(last_reset["after_snapshot"])
        last = _key(read)
        for ref, snap in self.snapshots[cmd.portfolio_id]:
            if after[2] < ref.offset <= last[2]:
                state = portfolio_state.from_snapshot(snap, state, ref, self.cfg.kill_switch)
        return state
