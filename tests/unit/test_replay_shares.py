"""How a replay splits its history between processes: whole sized partitions, about equal."""

import pytest

from himari_l3.audit import shares
from himari_l3.audit.entry_history import EntryHistory
from himari_l3.audit.history import History
from himari_l3.audit.recorded import Recorded
from himari_l3.audit.single_pass import WHOLE
from schemas.config import SizingConfig


def _history(per_partition: dict[int, int]) -> History:
    sized = {
        f"{p}-{i}": Recorded("himari.l3.sized", p, i, None, b"{}")
        for p, n in per_partition.items()
        for i in range(n)
    }
    return History(EntryHistory(SizingConfig()), {}, sized, {})


@pytest.mark.parametrize(
    ("per_partition", "jobs", "expected"),
    [
        ({3: 100}, 2, [None]),  # one partition: nothing to split
        ({3: 100, 4: 100}, 1, [None]),  # one job: everything here
        ({3: 100, 4: 100}, 2, [{3}, {4}]),
        ({3: 100, 4: 200, 1: 50}, 2, [{4}, {1, 3}]),
        ({0: 10, 1: 10, 2: 10, 3: 10}, 2, [{0, 2}, {1, 3}]),
        ({0: 10, 1: 10}, 8, [{0}, {1}]),  # no more shares than partitions
    ],
)
def test_plan_gives_whole_partitions_in_about_equal_shares(per_partition, jobs, expected):
    specs = shares.plan(_history(per_partition), jobs)

    assert [None if s.sized_partitions is None else set(s.sized_partitions) for s in specs] == [
        None if e is None else e for e in expected
    ]


def test_one_share_is_the_whole_history():
    assert shares.plan(_history({5: 3}), 4) == [WHOLE]


@pytest.mark.parametrize("jobs", [2, 3])
def test_each_tactical_partition_belongs_to_exactly_one_share(jobs):
    specs = shares.plan(_history({p: 10 + p for p in range(6)}), jobs)

    for partition in range(16):
        assert sum(s.has_signal(partition) for s in specs) == 1
