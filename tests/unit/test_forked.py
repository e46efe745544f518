"""Tasks in forked processes: answers in order, and one failure stops the rest."""

import time
from pathlib import Path

import pytest

from himari_l3 import forked
from himari_l3.audit.errors import AuditError


def test_each_task_answers_in_the_order_given():
    assert forked.run([lambda moved: "a", lambda moved: "b", lambda moved: "c"]) == ["a", "b", "c"]


def test_progress_is_the_sum_of_the_tasks_reports():
    seen: list[int] = []

    def reports(moved: forked.Moved) -> None:
        moved(5)
        time.sleep(0.5)  # the parent looks at least once meanwhile

    forked.run([reports, reports], seen.append)

    assert seen[-1] == 10


def test_a_failing_task_stops_the_others_at_their_next_report_and_its_error_is_raised(
    tmp_path: Path,
):
    stopped = tmp_path / "stopped"

    def fails(moved: forked.Moved) -> None:
        raise AuditError("the real failure")

    def long(moved: forked.Moved) -> None:
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                moved(1)
                time.sleep(0.01)
        except forked.StoppedError:
            stopped.touch()
            raise

    with pytest.raises(AuditError, match="the real failure"):
        forked.run([long, fails])

    assert stopped.exists()
