"""Between the weekly solves: check a swap between colleagues, and find who can cover a session.

Both judge a few changed assignments of a published roster with the independent checker. To
answer in a fraction of a second on a large roster, :class:`Judge` runs the checker's own rule
functions on the part of the roster the change touches: the clinicians whose assignments change
(every rule about one clinician) and the sessions they change (every rule about a session, and the
whole series of a session that has one). Fairness compares clinicians across a role, so it is
scored on the whole roster, when a changed session is of a kind it shares. Every other rule is a
sum over clinicians, sessions, requests and allocation rows, so the untouched part adds the same
before and after, and the difference is exact. A cover option is then checked once more on the
whole roster before it is shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from roster.app.compile import build_problem
from roster.app.solving import Outcome
from roster.domain.check import CHECKERS, CheckReport, RosterView, check_roster
from roster.domain.credentials import lapses, open_to
from roster.domain.prorate import share_dues
from roster.domain.rules import FairnessParams
from roster.domain.tables import Instance, Session, Unavailability
from solver.model.problem import ProblemData
from solver.model.result import Result, SolveStatus
from solver.model.rules import SPECS
from solver.search.chains import ChainParams, find_chains

if TYPE_CHECKING:
    from roster.app.store import Published


class DailyError(Exception):
    """A swap or cover that cannot be asked as given (not on the roster, unknown ids)."""


@dataclass(frozen=True, order=True)
class Move:
    """One changed assignment: a clinician put on a session (added) or taken off (removed)."""

    clinician: str
    session: str
    kind: Literal["removed", "added"]


@dataclass(frozen=True)
class Verdict:
    """What some moves do to a roster, by the checker: the hard violations they create and end,
    and the change of each soft rule's penalty (after minus before)."""

    created: tuple[str, ...]
    ended: tuple[str, ...]
    change_by_rule: dict[str, int]

    @property
    def change(self) -> int:
        return sum(self.change_by_rule.values())

    @property
    def keeps_hard_rules(self) -> bool:
        return not self.created


def apply_moves(roster: Iterable[tuple[str, str]], moves: Iterable[Move]) -> list[tuple[str, str]]:
    """The roster with the moves made, in its own order, new assignments last."""
    out = list(dict.fromkeys(roster))
    for m in moves:
        pair = (m.clinician, m.session)
        if m.kind == "removed":
            out = [p for p in out if p != pair]
        elif pair not in out:
            out.append(pair)
    return out


class Judge:
    """The checker, on the part of a roster that a few moves change (see the module's doc)."""

    def __init__(self, instance: Instance, roster: Iterable[tuple[str, str]]) -> None:
        self.instance = instance
        self.roster = list(dict.fromkeys(roster))
        self._of_clinician: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._on_session: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for pair in self.roster:
            self._of_clinician[pair[0]].append(pair)
            self._on_session[pair[1]].append(pair)
        self._series: dict[str, list[str]] = defaultdict(list)
        for s in instance.sessions:
            if s.series is not None:
                self._series[s.series].append(s.id)
        self._rows: dict[str, dict[str, list[Any]]] = {
            table: defaultdict(list) for table in ("allocations", "unavailability", "requests")
        }
        for table, rows in self._rows.items():
            for row in getattr(instance, table):
                rows[row.clinician].append(row)
        self._index = {s.id: i for i, s in enumerate(instance.sessions)}
        self._whole_before: tuple[list[str], dict[str, int]] | None = None

    def judge(self, moves: Sequence[Move]) -> Verdict:
        """The hard violations the moves create and end, and each soft rule's change."""
        inst = self.instance
        people = {m.clinician for m in moves}
        sessions = {m.session for m in moves}
        for s in list(sessions):
            series = inst.session_by_id[s].series
            if series is not None:
                sessions.update(self._series[series])
        before = list(
            dict.fromkeys(
                [p for c in people for p in self._of_clinician.get(c, [])]
                + [p for s in sessions for p in self._on_session.get(s, [])]
            )
        )
        after = apply_moves(before, moves)
        part = self._part(people, sessions)
        whole = self._whole_kinds()
        local = [k for k in inst.rules.rules.active() if k not in whole]
        hard_before, soft_before = self._score(part, before, local)
        hard_after, soft_after = self._score(part, after, local)
        # the rules that weigh clinicians against each other, on the whole roster; fairness only
        # when a session of a kind it counts changes hands
        fairness = inst.rules.rules.fairness
        if fairness is not None and not any(self._shared(fairness, s) for s in sessions):
            soft_before["fairness"] = soft_after["fairness"] = 0
            whole.remove("fairness")
        if whole:
            if self._whole_before is None:
                self._whole_before = self._score(inst, self.roster, self._whole_kinds())
            hard, soft = self._whole_before
            hard_before += hard
            soft_before.update({k: soft[k] for k in whole if k in soft})
            hard, soft = self._score(inst, apply_moves(self.roster, moves), whole)
            hard_after += hard
            soft_after.update(soft)
        change = {k: soft_after[k] - soft_before[k] for k in soft_before}
        order = list(inst.rules.rules.active())
        return Verdict(
            created=tuple((Counter(hard_after) - Counter(hard_before)).elements()),
            ended=tuple((Counter(hard_before) - Counter(hard_after)).elements()),
            change_by_rule={k: change[k] for k in order if k in change},
        )

    def _whole_kinds(self) -> list[str]:
        """The rules judged on the whole roster: those that weigh clinicians against each other,
        but continuity, whose series the part holds whole."""
        return [
            k for k in self.instance.rules.rules.active() if SPECS[k].couples and k != "continuity"
        ]

    def _part(self, people: set[str], sessions: set[str]) -> Instance:
        """The instance cut down to these clinicians (their rows) and sessions (their needs),
        with the whole instance's lookups and calendar, for the checker's rule functions: each
        sums over the clinicians, sessions, needs and rows it is given."""
        inst = self.instance
        rows = {
            table: tuple(r for c in sorted(people) for r in by[c])
            for table, by in self._rows.items()
        }
        part = Instance.model_construct(
            sites=inst.sites,
            travel=inst.travel,
            clinicians=tuple(c for c in inst.clinicians if c.id in people),
            sessions=tuple(
                inst.session_by_id[s] for s in sorted(sessions, key=self._index.__getitem__)
            ),
            needs=tuple(n for s in sessions for n in inst.needs_by_session.get(s, ())),
            allocations=rows["allocations"],
            unavailability=rows["unavailability"],
            requests=rows["requests"],
            credentials=inst.credentials,
            rules=inst.rules,
            history=inst.history,  # the days and sessions before the horizon, and past totals
        )
        for name in (
            "site_by_id",
            "clinician_by_id",
            "session_by_id",
            "needs_by_session",
            "travel_minutes",
            "holidays",
            "credentials_of",
            "sessions_at",
        ):
            part.__dict__[name] = getattr(inst, name)  # the whole instance's, computed once
        share_dues(inst, part)
        return part

    def _score(
        self, part: Instance, pairs: list[tuple[str, str]], kinds: list[str]
    ) -> tuple[list[str], dict[str, int]]:
        """The hard sentences and soft penalties of these rules on these assignments of the
        instance (or of a part of it)."""
        view = RosterView(self.instance, pairs)
        hard: list[str] = []
        soft: dict[str, int] = {}
        for kind, params in self.instance.rules.rules.active().items():
            if kind not in kinds:
                continue
            found, penalty = CHECKERS[kind](part, view, params)
            hard += found
            if not params.hard:
                soft[kind] = penalty
        return hard, soft

    def _shared(self, params: FairnessParams, session_id: str) -> bool:
        s = self.instance.session_by_id[session_id]
        return ("evening" in params.kinds and self.instance.period(s) == "evening") or (
            "weekend" in params.kinds and self.instance.is_weekend(s.date)
        )


# --- swap ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwapAnswer:
    moves: tuple[Move, ...]
    verdict: Verdict
    roster: list[tuple[str, str]]  # the roster after the swap


def swap_moves(
    instance: Instance,
    roster: Iterable[tuple[str, str]],
    giver: tuple[str, str],
    other: tuple[str, str | None],
) -> tuple[Move, ...]:
    """The moves of a swap: A gives A's session to B, and B gives B's session (if named) to A.

    Raises :class:`DailyError` when an id is unknown or an assignment is not on the roster.
    """
    pairs = set(roster)
    (a, sa), (b, sb) = giver, other
    problems = [f"unknown clinician {c}" for c in (a, b) if c not in instance.clinician_by_id]
    problems += [
        f"unknown session {s}"
        for s in (sa, sb)
        if s is not None and s not in instance.session_by_id
    ]
    if problems:
        raise DailyError("; ".join(problems))
    if a == b:
        raise DailyError(f"{a} would swap with themselves")
    if (a, sa) not in pairs:
        raise DailyError(f"{a} is not on {sa} in the roster")
    if (b, sa) in pairs:
        raise DailyError(f"{b} is already on {sa}")
    moves = [Move(a, sa, "removed"), Move(b, sa, "added")]
    if sb is not None:
        if (b, sb) not in pairs:
            raise DailyError(f"{b} is not on {sb} in the roster")
        if (a, sb) in pairs:
            raise DailyError(f"{a} is already on {sb}")
        moves += [Move(b, sb, "removed"), Move(a, sb, "added")]
    return tuple(moves)


def swap(
    instance: Instance,
    roster: Iterable[tuple[str, str]],
    giver: tuple[str, str],
    other: tuple[str, str | None],
) -> SwapAnswer:
    """Judge a swap (B's session named) or a give-away (only B named)."""
    pairs = list(dict.fromkeys(roster))
    moves = swap_moves(instance, pairs, giver, other)
    verdict = Judge(instance, pairs).judge(moves)
    return SwapAnswer(moves, verdict, apply_moves(pairs, moves))


# --- cover ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverOption:
    """One way to cover the session: who takes it, every move (the taker's, and in a chain the
    sessions handed on), and the checker's verdict on the whole roster, against the roster
    without the leaver on the session."""

    taker: str
    moves: tuple[Move, ...]
    verdict: Verdict
    objective: int  # the whole roster's objective after the moves

    @property
    def chain(self) -> bool:
        return len(self.moves) > 1


@dataclass(frozen=True)
class CoverAnswer:
    session: str
    without: str | None
    roles: tuple[str, ...]  # the roles a taker may have
    objective: int  # the roster as given
    leaving: Verdict | None  # what taking the leaver off the session does to the roster as given
    direct: tuple[CoverOption, ...]
    chains: tuple[CoverOption, ...]
    why_not: tuple[str, ...] = ()  # when there is no option: who is eligible and why not each
    searched_chains: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def options(self) -> tuple[CoverOption, ...]:
        return self.direct + self.chains


@dataclass(frozen=True)
class CoverSettings:
    top: int = 5  # options shown at most, direct ones first
    start: dt.datetime | None = None  # chains move no session starting before it (None: the day)
    chains: ChainParams = ChainParams()


def cover(
    instance: Instance,
    roster: Iterable[tuple[str, str]],
    session_id: str,
    without: str | None = None,
    settings: CoverSettings = CoverSettings(),
) -> CoverAnswer:
    """Who can take ``session_id`` now (instead of ``without``, taken off it first): those who
    can take it directly, ranked by the change of the objective; when none can, short chains.

    Options are judged against the roster without the leaver on the session: what the leaving
    itself breaks (the leaver's own minimum, the session's cover) is reported once, apart, and
    does not count against any option. Every option shown is checked on the whole roster."""
    clock = dt.datetime.now()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = dt.datetime.now()
        timings[name] = (now - clock).total_seconds()
        clock = now

    given = list(dict.fromkeys(roster))
    session = _session(instance, session_id)
    leaving: Verdict | None = None
    pairs = given
    if without is not None:
        if without not in instance.clinician_by_id:
            raise DailyError(f"unknown clinician {without}")
        if (without, session_id) not in given:
            raise DailyError(f"{without} is not on {session_id} in the roster")
        leaving = Judge(instance, given).judge([Move(without, session_id, "removed")])
        pairs = [p for p in given if p != (without, session_id)]
    roles = _roles(instance, pairs, session, without)
    on_it = {c for c, s in pairs if s == session_id}
    base = check_roster(instance, pairs)
    judge = Judge(instance, pairs)
    lap("prepare")

    # who is eligible for the session, and whether they are away
    leave: dict[str, list[Unavailability]] = defaultdict(list)
    for u in instance.unavailability:
        leave[u.clinician].append(u)
    eligible = [
        (c.id, any(u.start < session.end_at and session.start_at < u.end for u in leave[c.id]))
        for c in instance.clinicians
        if open_to(instance, c, session) and not lapses(instance, c, session)
    ]
    candidates = [
        c
        for c, away in eligible
        if not away
        and c != without
        and c not in on_it
        and instance.clinician_by_id[c].role in roles
    ]
    order = {c.id: i for i, c in enumerate(instance.clinicians)}
    judged = {c: judge.judge([Move(c, session_id, "added")]) for c in candidates}
    fitting = sorted(
        (c for c in candidates if judged[c].keeps_hard_rules),
        key=lambda c: (judged[c].change, order[c]),
    )
    lap("direct")
    ranked = [(c, (Move(c, session_id, "added"),)) for c in fitting]
    direct = _shown(instance, pairs, base, ranked, settings.top)
    lap("verify direct")

    chains: tuple[CoverOption, ...] = ()
    searched = False
    if not direct and candidates:
        searched = True
        found = _chains(
            instance,
            build_problem(instance),
            judge,
            pairs,
            session,
            candidates,
            without,
            roles,
            settings,
        )
        lap("chains")
        chains = _shown(instance, pairs, base, found, settings.top)
        lap("verify chains")
    why: tuple[str, ...] = ()
    if not direct and not chains:
        why = _why_not(instance, session, roles, eligible, without, on_it, judged, searched)
    return CoverAnswer(
        session_id,
        without,
        roles,
        base.objective - (leaving.change if leaving is not None else 0),
        leaving,
        direct,
        chains,
        why,
        searched,
        timings,
    )


def _session(instance: Instance, session_id: str) -> Session:
    if session_id not in instance.session_by_id:
        raise DailyError(f"unknown session {session_id}")
    return instance.session_by_id[session_id]


def _roles(
    instance: Instance, pairs: list[tuple[str, str]], session: Session, without: str | None
) -> tuple[str, ...]:
    """The roles a taker may have: the leaver's, or else those the session has room for."""
    if without is not None:
        return (instance.clinician_by_id[without].role,)
    heads = Counter(instance.clinician_by_id[c].role for c, s in pairs if s == session.id)
    roles = tuple(
        n.role for n in instance.needs_by_session.get(session.id, ()) if heads[n.role] < n.most
    )
    if not roles:
        raise DailyError(f"{session.id} already has its most of every role it needs")
    return roles


def _shown(
    instance: Instance,
    pairs: list[tuple[str, str]],
    base: CheckReport,
    ranked: Sequence[tuple[str, Sequence[Move]]],
    top: int,
) -> tuple[CoverOption, ...]:
    """The first ``top`` options that the checker, on the whole roster, finds create no hard
    violation; their verdicts are the whole roster's, against ``base``."""
    out: list[CoverOption] = []
    for taker, moves in ranked:
        if len(out) >= top:
            break
        report = check_roster(instance, apply_moves(pairs, moves))
        before, after = Counter(base.hard_violations), Counter(report.hard_violations)
        if after - before:
            continue
        verdict = Verdict(
            created=(),
            ended=tuple((before - after).elements()),
            change_by_rule={
                k: report.objective_by_rule[k] - base.objective_by_rule.get(k, 0)
                for k in report.objective_by_rule
            },
        )
        out.append(CoverOption(taker, tuple(moves), verdict, report.objective))
    return tuple(out)


def _chains(
    instance: Instance,
    problem: ProblemData,
    judge: Judge,
    pairs: list[tuple[str, str]],
    session: Session,
    candidates: list[str],
    without: str | None,
    roles: tuple[str, ...],
    settings: CoverSettings,
) -> list[tuple[str, tuple[Move, ...]]]:
    """Chains from the CP-SAT model around the roster, judged by the checker, best first."""
    clin = {c.id: i for i, c in enumerate(problem.clinicians)}
    sess = {s.id: i for i, s in enumerate(problem.sessions)}
    start = settings.start or dt.datetime.combine(session.date, dt.time())
    movable = {sess[s.id] for s in instance.sessions if s.start_at >= start}
    kept = [(clin[c], sess[s]) for c, s in pairs]
    here = sess[session.id]
    found: list[tuple[int, int, str, tuple[Move, ...]]] = []
    for role in roles:
        takers = [clin[c] for c in candidates if instance.clinician_by_id[c].role == role]
        steps = find_chains(
            problem,
            kept,
            here,
            problem.roles.index(role),
            takers,
            movable,
            barred=[clin[without]] if without is not None else [],
            params=dataclasses.replace(settings.chains, options=max(settings.top, 1)),
        )
        for chain in steps:
            # in the order they read: the taker onto the session, then each session handed on,
            # its giver before its taker
            ordered = sorted(chain, key=lambda step: (step[1] != here, step[1], step[2]))
            moves = tuple(
                Move(
                    problem.clinicians[c].id,
                    problem.sessions[s].id,
                    "added" if added else "removed",
                )
                for c, s, added in ordered
            )
            taker = next(m.clinician for m in moves if m.session == session.id)
            verdict = judge.judge(moves)
            if verdict.keeps_hard_rules:
                found.append((verdict.change, len(moves), taker, moves))
    found.sort()
    return [(taker, moves) for _, _, taker, moves in found]


def _why_not(
    instance: Instance,
    session: Session,
    roles: tuple[str, ...],
    eligible: list[tuple[str, bool]],
    without: str | None,
    on_it: set[str],
    judged: dict[str, Verdict],
    searched: bool,
) -> tuple[str, ...]:
    """Why nobody can take the session: who is eligible, and why each of them cannot."""
    out: list[str] = []
    mine = [
        (c, away)
        for c, away in eligible
        if instance.clinician_by_id[c].role in roles and c != without
    ]
    if not mine:
        wanted = " or ".join(r.replace("_", " ") for r in roles)
        if without is not None and any(c == without for c, _ in eligible):
            leaver = instance.clinician_by_id[without]
            return (
                f"Nobody but {leaver.name} ({without}) is a {wanted} eligible for {session.id}.",
            )
        return (f"No {wanted} is eligible for {session.id}.",)
    for c, away in mine:
        clinician = instance.clinician_by_id[c]
        who = f"{clinician.name} ({c})"
        if c in on_it:
            out.append(f"{who} is already on {session.id}")
        elif away:
            spans = "; ".join(
                f"{u.start:%Y-%m-%d %H:%M} to {u.end:%Y-%m-%d %H:%M}"
                + (f" ({u.reason})" if u.reason else "")
                for u in instance.unavailability
                if u.clinician == c and u.start < session.end_at and session.start_at < u.end
            )
            out.append(f"{who} is unavailable {spans}")
        else:
            created = judged[c].created
            out.append(f"{who} would break: " + "; ".join(created))
    if searched:
        out.append("No chain of changes was found either.")
    return tuple(out)


# --- the changed roster, written or published ----------------------------------------------------


def changed_outcome(
    instance: Instance,
    pairs: Iterable[tuple[str, str]],
    moves: Sequence[Move],
    source: Literal["swap", "cover"],
    input_hash: str,
    before: int,
) -> tuple[Outcome, dict[str, Any]]:
    """The changed roster as an outcome the output files are written from, scored by the
    checker, and its summary (the keys of `roster solve`'s, and a ``change`` block)."""
    assignments = tuple(sorted(set(pairs)))
    report = check_roster(instance, assignments)
    result = Result(
        SolveStatus.FEASIBLE,
        assignments,
        report.objective,
        None,
        dict(report.objective_by_rule),
        0.0,
        0.0,
    )
    outcome = Outcome(result, (), report, 0.0)
    summary = {
        "status": result.status.value,
        "objective": report.objective,
        "best_bound": None,
        "gap": None,
        "wall_seconds": 0.0,
        "build_seconds": 0.0,
        "settings": {},
        "input_hash": input_hash,
        "objective_by_rule": dict(report.objective_by_rule),
        "assignments": len(assignments),
        "clinicians": len(instance.clinicians),
        "sessions": len(instance.sessions),
        "checker": report.to_json(),
        "change": {
            "source": source,
            "objective_before": before,
            "moves": [dataclasses.asdict(m) for m in moves],
        },
    }
    return outcome, summary


def publish_change(
    db: str | None,
    instance: Instance,
    given: Sequence[tuple[str, str]],
    pairs: Sequence[tuple[str, str]],
    moves: Sequence[Move],
    source: Literal["swap", "cover"],
    published_by: str,
    note: str,
    input_hash: str,
    summary: dict[str, Any],
) -> Published:
    """Publish the changed roster as the next version of its horizon, its moves as the version's
    changes. The roster changed must be the horizon's latest published version, else
    :class:`StoreError` says so (a change to an older version would silently undo the ones
    after it)."""
    # the store (SQLAlchemy, Alembic) is imported only by the commands that publish
    from roster.app.store import Change, Store, StoreError

    horizon = instance.rules.horizon
    with Store.open(db) as store:
        latest = store.latest(horizon.start, horizon.end)
        if latest is None:
            raise StoreError(
                f"the horizon {horizon.start} to {horizon.end} has no published version to "
                "change; publish the roster first"
            )
        if set(latest.pairs) != set(given):
            raise StoreError(
                f"the roster given is not version {latest.info.number} of {horizon.start} to "
                f"{horizon.end}, the latest published; {source} from that version"
            )
        return store.publish(
            instance,
            pairs,
            published_by=published_by,
            note=note,
            input_hash=input_hash,
            summary=summary,
            source=source,
            changes=[Change(m.clinician, m.session, m.kind, source) for m in moves],
        )
