"""Swaps and covers between the weekly solves, on tiny offices worked out by hand, and the
checker run on the changed part of a roster agreeing with the checker on the whole of it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from factory import MONDAY, SITES, TRAVEL, doc, make, micro_instances, need, sess
from hypothesis import given, settings
from hypothesis import strategies as st

from roster.app.daily import (
    CoverSettings,
    DailyError,
    Judge,
    Move,
    apply_moves,
    cover,
    swap,
)
from roster.app.store import Store
from roster.cli import main
from roster.domain.check import check_roster
from roster.domain.io import load_instance
from roster.domain.tables import Instance

# --- swap ----------------------------------------------------------------------------------------


def rest_week(**kw: Any) -> dict[str, Any]:
    """A works Monday evening (E, 18:00-21:00), B Tuesday morning (T, 09:00-13:00), both at HSK,
    one doctor each. After an evening 780 minutes (13 hours) of rest are needed: E ends at 21:00,
    so nothing before 10:00 on Tuesday. B would rather not work evenings (weight 2)."""
    return dict(
        clinicians=[doc("A"), doc("B")],
        sessions=[sess("E", start="18:00", end="21:00"), sess("T", day=1)],
        needs=[need("E", 1, 1, 1), need("T", 1, 1, 1)],
        rules={
            "cover_min": {},
            "cover_max": {},
            "rest_after_evening": {"rest_minutes": 780},
            "requests": {"weight": 1},
        },
        requests=[{"clinician": "B", "kind": "avoid", "weight": 2, "period": "evening"}],
        **kw,
    )


ROSTER = [("A", "E"), ("B", "T")]


def test_a_give_away_that_breaks_the_rest_rule() -> None:
    inst = make(**rest_week())
    answer = swap(inst, ROSTER, ("B", "T"), ("A", None))
    assert answer.moves == (Move("B", "T", "removed"), Move("A", "T", "added"))
    # A would work T at 09:00, 12 hours (720 minutes) after E ends: less than 780
    assert answer.verdict.created == (
        "Dr A (A) works the evening session E (HSK 2026-12-07 18:00-21:00) and then T (HSK "
        "2026-12-08 09:00-13:00) 720 minutes after it ends, less than the 780 minutes of rest",
    )
    assert answer.verdict.change == 0
    assert answer.roster == [("A", "E"), ("A", "T")]


def test_an_exchange_that_keeps_every_hard_rule_and_costs_a_wish() -> None:
    inst = make(**rest_week())
    answer = swap(inst, ROSTER, ("A", "E"), ("B", "T"))
    # A now works T only, B the evening E: no rest needed; B's wish costs 2 x 1 = 2
    assert answer.verdict.keeps_hard_rules
    assert answer.verdict.change_by_rule == {"requests": 2}
    assert sorted(answer.roster) == [("A", "T"), ("B", "E")]


# --- cover ---------------------------------------------------------------------------------------


def direct_week() -> Instance:
    """S (Tue 09:00-13:00, HSK) needs one doctor, preferably (10 per missing one); X is on it. O
    (the same time, at EMC) has E. C wants S (3). C and D are free."""
    return make(
        [doc("X"), doc("C"), doc("D"), doc("E")],
        [sess("S", day=1), sess("O", day=1, site="EMC")],
        needs=[need("S", 1, 1, 1), need("O", 0, 0, 1)],
        rules={
            "cover_min": {},
            "cover_max": {},
            "cover_preferred": {"weight": 10},
            "requests": {"weight": 1},
        },
        requests=[{"clinician": "C", "kind": "want", "weight": 3, "session": "S"}],
    )


def test_a_cover_found_directly_ranked_by_the_change_in_penalty() -> None:
    inst = direct_week()
    answer = cover(inst, [("X", "S"), ("E", "O")], "S", without="X")
    # the roster as given costs C's unmet wish: 3. Taking X off leaves S empty: below its
    # minimum (reported apart) and 10 of cover_preferred: 13
    assert answer.objective == 3
    assert answer.leaving is not None
    assert answer.leaving.created == (
        "S (HSK 2026-12-08 09:00-13:00) has 0 doctors, below its minimum of 1",
    )
    assert answer.leaving.change_by_rule == {"cover_preferred": 10, "requests": 0}
    # C takes it: -10 (cover) - 3 (wish) = -13, objective 0; D: -10, objective 3. E is on O at
    # the same time, so not an option.
    assert [(o.taker, o.verdict.change, o.objective) for o in answer.direct] == [
        ("C", -13, 0),
        ("D", -10, 3),
    ]
    assert answer.direct[0].moves == (Move("C", "S", "added"),)
    assert answer.chains == () and not answer.searched_chains


def test_a_cover_for_a_session_short_of_its_people() -> None:
    # without --without: S is empty and has room for one doctor; from the roster as it is (13:
    # S below its minimum, 10 short of its preferred, C's wish 3), C gains 13, X and D 10 each
    # (a tie, in the order of the clinicians table)
    inst = direct_week()
    answer = cover(inst, [("E", "O")], "S")
    assert answer.leaving is None and answer.objective == 13
    assert [(o.taker, o.verdict.change) for o in answer.direct] == [
        ("C", -13),
        ("X", -10),
        ("D", -10),
    ]
    # once C is on it, it has its most: nobody more can take it
    with pytest.raises(DailyError, match="S already has its most of every role it needs"):
        cover(inst, [("C", "S"), ("E", "O")], "S")


def test_a_cover_found_only_by_a_chain() -> None:
    # S (Wed, HSK) loses X. B alone may work at HSK but works T (Wed, same time, EMC); C may
    # work only at EMC. So B takes S and hands T on to C: three changes, cover kept everywhere.
    inst = make(
        [doc("X"), doc("B"), doc("C", privileges="EMC")],
        [sess("S", day=2), sess("T", day=2, site="EMC")],
        needs=[need("S", 1, 1, 1), need("T", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}},
    )
    answer = cover(inst, [("X", "S"), ("B", "T")], "S", without="X")
    assert answer.direct == ()
    assert [o.moves for o in answer.chains] == [
        (Move("B", "S", "added"), Move("B", "T", "removed"), Move("C", "T", "added"))
    ]
    assert answer.chains[0].taker == "B" and answer.chains[0].verdict.change == 0
    # the leaving broke S's minimum; the chain ends it
    assert answer.chains[0].verdict.ended == (
        "S (HSK 2026-12-09 09:00-13:00) has 0 doctors, below its minimum of 1",
    )


def test_chains_hand_on_no_session_before_from() -> None:
    # the same chain, but T starts at 09:00 and --from is 10:00 that day: T stays with B
    inst = make(
        [doc("X"), doc("B"), doc("C", privileges="EMC")],
        [sess("S", day=2), sess("T", day=2, site="EMC")],
        needs=[need("S", 1, 1, 1), need("T", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}},
    )
    settings = CoverSettings(start=dt.datetime(2026, 12, 9, 10, 0))
    answer = cover(inst, [("X", "S"), ("B", "T")], "S", without="X", settings=settings)
    assert answer.options == () and answer.searched_chains
    assert answer.why_not[-1] == "No chain of changes was found either."


def test_an_impossible_cover_says_why() -> None:
    # Y is on leave on Wednesday; Z works T at EMC at the same time and nobody else may work at
    # EMC (X, who leaves, is not moved); W holds no privileges at HSK, so is not eligible.
    inst = make(
        [doc("X"), doc("Y", privileges="HSK"), doc("Z"), doc("W", privileges="QMH")],
        [sess("S", day=2), sess("T", day=2, site="EMC")],
        needs=[need("S", 1, 1, 1), need("T", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}},
        unavailability=[
            {"clinician": "Y", "start": "2026-12-09", "end": "2026-12-09", "reason": "annual leave"}
        ],
    )
    answer = cover(inst, [("X", "S"), ("Z", "T")], "S", without="X")
    assert answer.options == ()
    assert answer.why_not == (
        "Dr Y (Y) is unavailable 2026-12-09 00:00 to 2026-12-10 00:00 (annual leave)",
        "Dr Z (Z) would break: Dr Z (Z) is assigned to S (HSK 2026-12-09 09:00-13:00) and T "
        "(EMC 2026-12-09 09:00-13:00), which overlap in time",
        "No chain of changes was found either.",
    )


def test_nobody_else_eligible() -> None:
    inst = make([doc("X"), doc("W", privileges="QMH")], [sess("S")], rules={"cover_min": {}})
    answer = cover(inst, [("X", "S")], "S", without="X")
    assert answer.why_not == ("Nobody but Dr X (X) is a doctor eligible for S.",)


# --- the checker on the changed part agrees with the checker on the whole roster -----------------


@settings(max_examples=150, deadline=None)
@given(micro_instances(), st.data())
def test_judging_the_changed_part_agrees_with_the_whole_roster(inst: Instance, data: Any) -> None:
    everyone = [(c.id, s.id) for c in inst.clinicians for s in inst.sessions]
    roster = data.draw(st.lists(st.sampled_from(everyone), unique=True, max_size=6))
    toggled = data.draw(st.lists(st.sampled_from(everyone), unique=True, min_size=1, max_size=3))
    moves = [Move(c, s, "removed" if (c, s) in roster else "added") for c, s in toggled]
    verdict = Judge(inst, roster).judge(moves)
    before, after = check_roster(inst, roster), check_roster(inst, apply_moves(roster, moves))
    assert Counter(verdict.created) == Counter(after.hard_violations) - Counter(
        before.hard_violations
    )
    assert Counter(verdict.ended) == Counter(before.hard_violations) - Counter(
        after.hard_violations
    )
    assert verdict.change_by_rule == {
        k: after.objective_by_rule[k] - before.objective_by_rule[k] for k in after.objective_by_rule
    }


# --- the commands --------------------------------------------------------------------------------


def write_folder(root: Path, tables: dict[str, Any], weeks: int = 1) -> Path:
    """A tiny office (the keyword arguments of factory.make) as an instance folder."""
    root.mkdir(parents=True)
    rows = {"sites": SITES, "travel": TRAVEL, **tables}
    rows.setdefault("needs", [need(s["id"]) for s in rows["sessions"]])
    for table, records in rows.items():
        if table == "rules":
            continue
        columns = list(dict.fromkeys(k for r in records for k in r))
        with (root / f"{table}.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(records)
    end = MONDAY.toordinal() + 7 * weeks - 1
    horizon = {"start": MONDAY.isoformat(), "end": MONDAY.fromordinal(end).isoformat()}
    (root / "rules.yaml").write_text(
        yaml.safe_dump({"horizon": horizon, "rules": tables.get("rules", {})})
    )
    return root


def write_roster(path: Path, pairs: list[tuple[str, str]]) -> Path:
    path.write_text("clinician,session\n" + "".join(f"{c},{s}\n" for c, s in pairs))
    return path


def test_swap_command_exit_codes_and_apply(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "week", rest_week())
    roster = write_roster(tmp_path / "roster.csv", ROSTER)
    runner = CliRunner()
    broken = runner.invoke(main, ["swap", str(folder), str(roster), "B:T", "A"])
    assert broken.exit_code == 1
    assert "hard: Dr A (A) works the evening session E" in broken.output
    assert "The swap breaks 1 hard rule." in broken.output
    # nothing is applied when the swap breaks a hard rule
    out = tmp_path / "out"
    refused = runner.invoke(
        main, ["swap", str(folder), str(roster), "B:T", "A", "--apply", "--out", str(out)]
    )
    assert refused.exit_code == 1 and not out.exists()
    fine = runner.invoke(
        main, ["swap", str(folder), str(roster), "A:E", "B:T", "--apply", "--out", str(out)]
    )
    assert fine.exit_code == 0, fine.output
    assert "The swap breaks no hard rule." in fine.output
    assert "  requests                   +2" in fine.output
    written = list(csv.DictReader((out / "roster.csv").open()))
    assert sorted((r["clinician"], r["session"]) for r in written) == [("A", "T"), ("B", "E")]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective"] == 2 and summary["change"]["source"] == "swap"
    # bad input: exit 2, in words
    bad = runner.invoke(main, ["swap", str(folder), str(roster), "A:T", "B"])
    assert bad.exit_code == 2
    assert "error: A is not on T in the roster" in bad.output
    unknown = runner.invoke(main, ["swap", str(folder), str(roster), "A:E", "Q"])
    assert unknown.exit_code == 2 and "unknown clinician Q" in unknown.output


def test_cover_command_json_and_publish_to_the_store(tmp_path: Path) -> None:
    tables = {
        "clinicians": [doc("X"), doc("B"), doc("C", privileges="EMC")],
        "sessions": [sess("S", day=2), sess("T", day=2, site="EMC")],
        "needs": [need("S", 1, 1, 1), need("T", 1, 1, 1)],
        "rules": {"cover_min": {}, "cover_max": {}},
    }
    folder = write_folder(tmp_path / "week", tables)
    given = [("X", "S"), ("B", "T")]
    roster = write_roster(tmp_path / "roster.csv", given)
    db = str(tmp_path / "history.db")
    inst = load_instance(folder)
    with Store.open(db, create=True) as store:
        store.upgrade()
        store.publish(inst, given, published_by="office", input_hash="x", summary={})
    runner = CliRunner()
    args = ["cover", str(folder), str(roster), "S", "--without", "X"]
    answer = json.loads(runner.invoke(main, [*args, "--json"]).output)
    assert [o["taker"] for o in answer["options"]] == ["B"]
    assert answer["options"][0]["chain"] is True
    applied = runner.invoke(main, [*args, "--apply", "1", "--db", db, "--by", "office"])
    assert applied.exit_code == 0, applied.output
    assert "Published version 2 of 2026-12-07 to 2026-12-13 (4 changes from version 1)" in (
        applied.output
    )
    with Store.open(db) as store:
        latest = store.latest(MONDAY, MONDAY.fromordinal(MONDAY.toordinal() + 6))
    assert latest is not None and sorted(latest.pairs) == [("B", "S"), ("C", "T")]
    assert sorted((c.clinician, c.session, c.kind, c.source) for c in latest.changes) == [
        ("B", "S", "added", "cover"),
        ("B", "T", "removed", "cover"),
        ("C", "T", "added", "cover"),
        ("X", "S", "removed", "cover"),
    ]
    # a second cover from the first roster is refused: it is no longer the latest version
    again = runner.invoke(main, [*args, "--apply", "1", "--db", db])
    assert again.exit_code == 2
    assert "the roster given is not version 2" in again.output
