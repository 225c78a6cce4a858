"""A term, week by week: the six weeks of data/samples/hksh-affiliation-term solved and published
in order with the history store, judged as one roster against the same weeks solved alone
(scripts/term_cycle.py prints the same figures)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from term_cycle import joined, term_figures, weeks  # noqa: E402


def test_the_term_sample_is_six_consecutive_weeks_with_leave_across_a_boundary() -> None:
    whole = joined()
    folders = weeks()
    assert [f.name for f in folders] == [f"week-{k}" for k in range(1, 7)]
    assert (whole.rules.horizon.start.isoformat(), whole.rules.horizon.days) == ("2026-11-02", 42)
    assert [t.name for t in whole.rules.terms] == ["2026-S1-block-B"]
    assert whole.rules.rules.fairness is not None and whole.rules.rules.fairness.window_weeks == 6
    mondays = {whole.rules.horizon.start.toordinal() + 7 * k for k in range(1, 6)}
    across = [
        u
        for u in whole.unavailability
        if any(u.start.toordinal() < m <= u.end.toordinal() for m in mondays)
    ]
    assert across  # leave that crosses a week's boundary
    teaching = [a for a in whole.allocations if a.period == "term" and a.activity == "teaching"]
    assert len(teaching) == 32 and {a.target for a in teaching} == {6}


@pytest.mark.slow
def test_a_term_solved_week_by_week_with_the_store(tmp_path: Path) -> None:
    kept, alone = term_figures(tmp_path, time_limit=10, workers=2, say=lambda _: None)
    # nothing is broken across the weeks' boundaries (rest, successions, runs of days) or over
    # the term (its teaching maximum)
    assert kept.hard_violations == ()
    # every teacher ends the term within one session of the target
    assert kept.teaching and kept.worst_teaching_gap <= 1
    # evenings and weekends are spread no less evenly than with each week solved alone
    assert kept.spread.keys() == alone.spread.keys()
    for key, spread in kept.spread.items():
        assert spread <= alone.spread[key], key
