"""The worker's heap census (SIGUSR1): object populations and their growth since the last."""

import logging

import pytest

from streams import heap_census


class Leaky:
    pass


def test_a_census_shows_what_grew_since_the_last(caplog: pytest.LogCaptureFixture) -> None:
    heap_census.log_census()
    kept = [Leaky() for _ in range(50_000)]
    with caplog.at_level(logging.WARNING, logger="streams.heap_census"):
        heap_census.log_census()
    [row] = [r for r in caplog.text.splitlines() if r.startswith("Leaky")]
    assert row.split()[1:] == ["50,000", "+50,000"]
    assert len(kept) == 50_000
