"""The history store, the same tests on SQLite and on a real PostgreSQL server.

Two published weeks of a tiny office (the calendar has no public holidays but Wednesday
2026-12-16, so the flags are worked out by hand below):

Week 50 (Mon 2026-12-07 to Sun 2026-12-13), clinicians A, B, C:
    m1 Mon 07 09:00-13:00 clinical          240 min
    t1 Fri 11 14:00-18:00 teaching          240 min
    e1 Sat 12 18:00-21:00 clinical          180 min, evening, weekend
    s1 Sun 13 09:00-13:00 clinical          240 min, weekend
    e2 Sun 13 18:00-21:00 clinical          180 min, evening, weekend
  version 1: A on m1, e1, s1; B on t1, e2; C on none
  version 2 (a repair, A and B swapped the evenings): A on m1, s1, e2; B on t1, e1
Week 51 (Mon 2026-12-14 to Sun 2026-12-20), clinicians A, B, D (C has left, D has joined):
    m2 Mon 14 09:00-13:00 teaching          240 min
    h2 Wed 16 09:00-13:00 clinical          240 min, weekend (a holiday), holiday
    e3 Thu 17 18:00-21:00 clinical          180 min, evening
  version 1: A on m2, h2; D on e3
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from factory import SITES, TRAVEL, doc, need
from pgserver import PostgresServer
from sqlalchemy import create_engine, text

from roster.app.store import (
    AssignmentRow,
    Change,
    Difference,
    HistoryRow,
    Store,
    StoreError,
    resolve_url,
)
from roster.app.store import database as store_database
from roster.app.store.models import Base
from roster.domain.io import parse_rules
from roster.domain.tables import Instance

TESTS = Path(__file__).parent
W50 = dt.date(2026, 12, 7)
W51 = dt.date(2026, 12, 14)
W52 = dt.date(2026, 12, 21)
CALENDAR = {"public_holidays": "none", "extra_holidays": ["2026-12-16"]}


def week_instance(
    start: dt.date, clinicians: list[str], sessions: list[tuple[str, int, str, str, str]]
) -> Instance:
    """A one-week instance from `start`; sessions are (id, day, start, end, activity) at HSK."""
    end = start + dt.timedelta(days=6)
    issues: list[Any] = []
    rules = parse_rules(
        {"horizon": {"start": start.isoformat(), "end": end.isoformat()}, "calendar": CALENDAR},
        "rules.yaml",
        issues,
    )
    assert rules is not None, issues
    rows = [
        {
            "id": sid,
            "site": "HSK",
            "date": (start + dt.timedelta(days=day)).isoformat(),
            "start": begin,
            "end": finish,
            "activity": activity,
            "specialty": "cardiology",
        }
        for sid, day, begin, finish, activity in sessions
    ]
    return Instance.model_validate(
        {
            "sites": SITES,
            "travel": TRAVEL,
            "clinicians": [doc(c) for c in clinicians],
            "sessions": rows,
            "needs": [need(s["id"], 0) for s in rows],
            "rules": rules,
        }
    )


def week_50() -> Instance:
    return week_instance(
        W50,
        ["A", "B", "C"],
        [
            ("m1", 0, "09:00", "13:00", "clinical"),
            ("t1", 4, "14:00", "18:00", "teaching"),
            ("e1", 5, "18:00", "21:00", "clinical"),
            ("s1", 6, "09:00", "13:00", "clinical"),
            ("e2", 6, "18:00", "21:00", "clinical"),
        ],
    )


def week_51() -> Instance:
    return week_instance(
        W51,
        ["A", "B", "D"],
        [
            ("m2", 0, "09:00", "13:00", "teaching"),
            ("h2", 2, "09:00", "13:00", "clinical"),
            ("e3", 3, "18:00", "21:00", "clinical"),
        ],
    )


W50_V1 = [("A", "m1"), ("A", "e1"), ("A", "s1"), ("B", "t1"), ("B", "e2")]
W50_V2 = [("A", "m1"), ("A", "s1"), ("A", "e2"), ("B", "t1"), ("B", "e1")]
W51_V1 = [("A", "m2"), ("A", "h2"), ("D", "e3")]
SWAP = [Change("A", "e1", "removed", "swap"), Change("A", "e2", "added", "swap")]


def row(
    clinician: str, session: str, day: dt.date, start: str, end: str, **kw: Any
) -> AssignmentRow:
    """An assignment row at HSK in cardiology; minutes and the period (am or pm) from the times,
    weekend and holiday false unless given."""
    t0, t1 = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    minutes = (t1.hour * 60 + t1.minute) - (t0.hour * 60 + t0.minute)
    base: dict[str, Any] = {
        "site": "HSK",
        "minutes": minutes,
        "activity": "clinical",
        "specialty": "cardiology",
        "period": "pm" if t0.hour >= 12 else "am",
        "weekend": False,
        "holiday": False,
    }
    return AssignmentRow(clinician, session, date=day, start=t0, end=t1, **(base | kw))


E1 = dict(period="evening", weekend=True)
A_E1 = row("A", "e1", dt.date(2026, 12, 12), "18:00", "21:00", **E1)
B_E1 = row("B", "e1", dt.date(2026, 12, 12), "18:00", "21:00", **E1)
A_E2 = row("A", "e2", dt.date(2026, 12, 13), "18:00", "21:00", **E1)
B_E2 = row("B", "e2", dt.date(2026, 12, 13), "18:00", "21:00", **E1)
A_S1 = row("A", "s1", dt.date(2026, 12, 13), "09:00", "13:00", weekend=True)


def publish(store: Store, instance: Instance, pairs: list[tuple[str, str]], **kw: Any) -> Any:
    options: dict[str, Any] = {"published_by": "office", "input_hash": "h", "summary": {}}
    return store.publish(instance, pairs, **(options | kw))


# --- the databases ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database that does not hold the schema yet: a SQLite path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "history.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    with Store.open(db, create=True) as s:
        s.upgrade()
        yield s


@pytest.fixture
def office(store: Store) -> Store:
    """The two weeks above, published: week 50 twice, week 51 once."""
    publish(store, week_50(), W50_V1)
    publish(store, week_50(), W50_V2, source="repair", changes=SWAP)
    publish(store, week_51(), W51_V1)
    return store


# --- where the store lives --------------------------------------------------------------------


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    location = resolve_url(str(tmp_path / "h.db"))
    assert location.url.render_as_string() == f"sqlite:///{tmp_path / 'h.db'}"
    assert location.label == str(tmp_path / "h.db")


def test_the_environment_names_the_database_when_no_path_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ROSTER_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).label == str(tmp_path / "env.db")
    assert resolve_url(str(tmp_path / "given.db")).label == str(tmp_path / "given.db")
    monkeypatch.delenv("ROSTER_DB")
    with pytest.raises(StoreError) as e:
        resolve_url(None)
    assert str(e.value) == "no database given: pass --db PATH_OR_URL or set ROSTER_DB"


def test_a_postgresql_url_without_a_driver_uses_psycopg() -> None:
    location = resolve_url("postgresql://office:secret@db.example/roster")
    assert location.url.drivername == "postgresql+psycopg"
    assert location.label == "postgresql://office:***@db.example/roster"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        # a port that is not a number
        (
            "postgresql+psycopg://office:secret@db:port/roster",
            "malformed database URL postgresql+psycopg://office:***@db:port/roster: give a "
            "SQLite path, sqlite:///PATH or postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/NAME",
        ),
        # no scheme before ://
        (
            "://nowhere",
            "malformed database URL ://nowhere: give a SQLite path, sqlite:///PATH or "
            "postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/NAME",
        ),
        # a database the store does not support
        (
            "mysql://office@db/roster",
            "unsupported database URL mysql://office@db/roster: use a SQLite path, "
            "sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME",
        ),
        # psycopg 2 is not the driver
        (
            "postgresql+psycopg2://office@db/roster",
            "unsupported database URL postgresql+psycopg2://office@db/roster: use a SQLite path, "
            "sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME",
        ),
        # an in-memory database keeps nothing
        (
            "sqlite:///:memory:",
            "database URL sqlite:///:memory: names no SQLite file: use sqlite:///PATH",
        ),
        # no database name on the server
        (
            "postgresql+psycopg://office@db",
            "database URL postgresql+psycopg://office@db names no database: add /NAME at its end",
        ),
    ],
)
def test_a_bad_url_is_refused(given: str, message: str) -> None:
    with pytest.raises(StoreError) as e:
        Store.open(given)
    assert str(e.value) == message


def test_a_missing_file_is_refused_unless_created(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(StoreError) as e:
        Store.open(str(path))
    assert str(e.value) == f"no database at {path}: create it with roster db upgrade --db {path}"
    assert not path.exists()
    with pytest.raises(StoreError) as e:
        Store.open(str(tmp_path / "no" / "such" / "h.db"), create=True)
    assert str(e.value) == (
        f"cannot create the database {tmp_path}/no/such/h.db: the folder {tmp_path}/no/such "
        "does not exist"
    )


def test_a_file_that_is_no_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database, only notes\n" * 100)
    with pytest.raises(StoreError) as e:
        Store.open(str(path))
    assert str(e.value) == f"cannot use the database {path}: file is not a database"


def test_an_unreachable_server_is_refused_without_its_password() -> None:
    url = "postgresql+psycopg://office:secret@/roster?host=/nonexistent/socket&port=5999"
    with pytest.raises(StoreError) as e:
        Store.open(url)
    shown = "postgresql+psycopg://office:***@/roster?host=/nonexistent/socket&port=5999"
    # the rest is libpq's own words
    assert str(e.value).startswith(f"cannot use the database {shown}: ")
    assert str(e.value).endswith(
        'connection to server on socket "/nonexistent/socket/.s.PGSQL.5999" failed: '
        "No such file or directory"
    )
    assert "secret" not in str(e.value)


def test_a_sqlite_url_and_its_path_are_the_same_store(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with Store.open(f"sqlite:///{path}", create=True) as store:
        store.upgrade()
        publish(store, week_50(), W50_V1)
    with Store.open(str(path)) as store:
        assert [v.number for v in store.versions()] == [1]


# --- the schema -------------------------------------------------------------------------------


def test_an_empty_database_asks_for_an_upgrade(db: str) -> None:
    with Store.open(db, create=True) as store:
        state = store.schema()
    assert (state.current, state.head, state.has_tables) == (None, "0001", False)
    label = resolve_url(db).label
    with pytest.raises(StoreError) as e:
        Store.open(db)
    assert str(e.value) == f"the database {label} is empty: run roster db upgrade --db {label}"


def test_upgrade_creates_the_schema_once(db: str) -> None:
    with Store.open(db, create=True) as store:
        assert store.upgrade() == (None, "0001")
        assert store.upgrade() == ("0001", "0001")
    with Store.open(db) as store:
        assert store.versions() == []


def test_the_migrations_build_the_models_tables(store: Store) -> None:
    engine = create_engine(store.location.url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_a_newer_schema_is_refused(store: Store, db: str) -> None:
    engine = create_engine(store.location.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    label = resolve_url(db).label
    with pytest.raises(StoreError) as e:
        Store.open(db)
    assert str(e.value) == (
        f"the database {label} has schema revision 9999, newer than this roster knows "
        "(revision 0001): upgrade roster to use it"
    )
    with Store.open(db, create=True) as newer, pytest.raises(StoreError) as e:
        newer.upgrade()
    assert "newer than this roster knows" in str(e.value)


NEXT_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("reviewed_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("reviewed_by")
"""


def test_an_older_schema_asks_for_an_upgrade_which_keeps_the_rows(
    office: Store, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the code of a later roster: the shipped migrations and one more
    later = tmp_path / "migrations"
    shutil.copytree(store_database.MIGRATIONS, later)
    (later / "versions" / "0002_reviewed_by.py").write_text(NEXT_REVISION)
    monkeypatch.setattr(store_database, "MIGRATIONS", later)
    label = resolve_url(db).label
    with pytest.raises(StoreError) as e:
        Store.open(db)
    assert str(e.value) == (
        f"the database {label} has schema revision 0001, older than this roster's 0002: "
        f"run roster db upgrade --db {label}"
    )
    with Store.open(db, create=True) as store:
        assert store.upgrade() == ("0001", "0002")
    with Store.open(db) as store:
        assert [(v.horizon_start, v.number) for v in store.versions()] == [
            (W50, 1),
            (W50, 2),
            (W51, 1),
        ]


# --- publishing -------------------------------------------------------------------------------


def test_publishing_again_makes_the_next_version_with_its_differences(store: Store) -> None:
    first = publish(store, week_50(), W50_V1, note="week 50")
    assert (first.version, first.previous, first.differences) == (1, None, {})
    assert (first.info.horizon_start, first.info.horizon_end) == (W50, dt.date(2026, 12, 13))
    second = publish(store, week_50(), W50_V2, source="repair", changes=SWAP, note="evenings")
    assert (second.version, second.previous) == (2, 1)
    # A gave e1 to B and took B's e2
    assert second.differences == {
        "A": Difference(removed=(A_E1,), added=(A_E2,)),
        "B": Difference(removed=(B_E2,), added=(B_E1,)),
    }
    latest = store.latest(W50, dt.date(2026, 12, 13))
    assert latest is not None
    assert latest.info.number == 2
    assert (latest.info.note, latest.info.source, latest.info.forced) == (
        "evenings",
        "repair",
        False,
    )
    assert latest.info.published_at.tzinfo == dt.UTC
    assert latest.pairs == [("A", "m1"), ("B", "t1"), ("B", "e1"), ("A", "s1"), ("A", "e2")]
    # the swap's changes keep their source; the others take the publish's
    assert latest.changes == (
        Change("A", "e1", "removed", "swap"),
        Change("A", "e2", "added", "swap"),
        Change("B", "e2", "removed", "repair"),
        Change("B", "e1", "added", "repair"),
    )
    assert [c.id for c in latest.clinicians] == ["A", "B", "C"]
    assert latest.clinicians[0].name == "Dr A"
    first_again = store.version(W50, dt.date(2026, 12, 13), 1)
    assert first_again is not None
    assert sorted(first_again.pairs) == sorted(W50_V1)
    assert first_again.changes == ()
    assert store.latest(W51, dt.date(2026, 12, 20)) is None


def test_a_session_whose_time_changed_is_removed_and_added_again(office: Store) -> None:
    # the repaired instance moves e1 (B's since version 2) to 17:00-20:00
    moved = week_instance(
        W50,
        ["A", "B", "C"],
        [
            ("m1", 0, "09:00", "13:00", "clinical"),
            ("t1", 4, "14:00", "18:00", "teaching"),
            ("e1", 5, "17:00", "20:00", "clinical"),
            ("s1", 6, "09:00", "13:00", "clinical"),
            ("e2", 6, "18:00", "21:00", "clinical"),
        ],
    )
    third = publish(office, moved, W50_V2, source="repair")
    b_e1_moved = row("B", "e1", dt.date(2026, 12, 12), "17:00", "20:00", **E1)
    assert (third.version, third.previous) == (3, 2)
    assert third.differences == {"B": Difference(removed=(B_E1,), added=(b_e1_moved,))}
    # B's e1 changed in versions 2 and 3; the others in version 2
    sunday = dt.date(2026, 12, 13)
    assert office.sequences(W50, sunday) == {
        ("A", "e1"): 1,
        ("A", "e2"): 1,
        ("B", "e1"): 2,
        ("B", "e2"): 1,
    }
    assert office.sequences(W50, sunday, 1) == {}
    assert office.sequences(W51, dt.date(2026, 12, 20)) == {}


def test_the_flags_come_from_the_instances_calendar(store: Store) -> None:
    publish(store, week_51(), W51_V1)
    latest = store.latest(W51, dt.date(2026, 12, 20))
    assert latest is not None
    assert latest.assignments == (
        row("A", "m2", W51, "09:00", "13:00", activity="teaching"),
        row("A", "h2", dt.date(2026, 12, 16), "09:00", "13:00", weekend=True, holiday=True),
        row("D", "e3", dt.date(2026, 12, 17), "18:00", "21:00", period="evening"),
    )


def test_long_ids_and_names_are_kept_whole(store: Store) -> None:
    long_id = "A" * 300
    instance = week_instance(W50, [long_id], [("m" * 300, 0, "09:00", "13:00", "clinical")])
    publish(store, instance, [(long_id, "m" * 300)], published_by="Ms " + "C" * 300)
    latest = store.latest(W50, dt.date(2026, 12, 13))
    assert latest is not None
    assert latest.pairs == [(long_id, "m" * 300)]
    assert latest.clinicians[0].name == f"Dr {long_id}"
    assert latest.info.published_by == "Ms " + "C" * 300


def test_the_summary_and_metadata_are_kept(store: Store) -> None:
    summary = {"status": "OPTIMAL", "objective": 12, "checker": {"hard_violations": []}}
    publish(
        store,
        week_50(),
        W50_V1,
        published_by="Ms Chan",
        note="hard rule broken on purpose",
        input_hash="abc123",
        summary=summary,
        forced=True,
    )
    (info,) = store.versions(W50, dt.date(2026, 12, 13))
    assert (info.published_by, info.note, info.input_hash, info.forced) == (
        "Ms Chan",
        "hard rule broken on purpose",
        "abc123",
        True,
    )
    assert info.summary == summary


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"forced": True}, "a forced publish needs a note saying why"),
        ({"published_by": " "}, "say who publishes: published_by is empty"),
        ({"source": "guess"}, "unknown source 'guess' (known: publish, repair, swap, cover)"),
        (
            {"summary": {"when": dt.date(2026, 12, 7)}},
            "the summary cannot be stored as JSON: Object of type date is not JSON serializable",
        ),
        (
            {"changes": [Change("A", "m1", "added", "swap")]},
            "change added of A on m1: the horizon has no published version to change",
        ),
    ],
)
def test_a_bad_publish_is_refused_and_records_nothing(
    store: Store, kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(StoreError) as e:
        publish(store, week_50(), W50_V1, **kw)
    assert str(e.value) == message
    assert store.versions() == []


def test_a_roster_of_another_instance_is_refused(store: Store) -> None:
    with pytest.raises(StoreError) as e:
        publish(store, week_50(), [("A", "m1"), ("D", "m2"), ("Z", "m1")])
    assert str(e.value) == (
        "the roster does not belong to the instance: unknown clinician 'D', session 'm2', "
        "clinician 'Z'"
    )
    assert store.versions() == []


def test_a_change_that_is_no_difference_is_refused(store: Store) -> None:
    publish(store, week_50(), W50_V1)
    with pytest.raises(StoreError) as e:
        publish(store, week_50(), W50_V2, changes=[Change("A", "m1", "removed", "swap")])
    assert str(e.value) == (
        "change removed of A on m1 is not a difference from the published version"
    )
    assert [v.number for v in store.versions()] == [1]


def test_a_horizon_that_overlaps_a_published_one_is_refused(store: Store) -> None:
    publish(store, week_51(), W51_V1)
    two_weeks = week_instance(W50, ["A"], [("x", 0, "09:00", "13:00", "clinical")])
    two_weeks = two_weeks.model_copy(
        update={
            "rules": two_weeks.rules.model_copy(
                update={
                    "horizon": two_weeks.rules.horizon.model_copy(
                        update={"end": dt.date(2026, 12, 20)}
                    )
                }
            )
        }
    )
    with pytest.raises(StoreError) as e:
        publish(store, two_weeks, [("A", "x")])
    assert str(e.value) == (
        "the horizon 2026-12-07 to 2026-12-20 overlaps the published horizon 2026-12-14 to "
        "2026-12-20: publish the same dates or dates that do not overlap"
    )
    # the week before it does not overlap
    assert publish(store, week_50(), W50_V1).version == 1


def test_two_publishes_at_once_both_land_as_distinct_versions(db: str, store: Store) -> None:
    instance = week_50()
    start = threading.Barrier(2)
    numbers: list[int] = []
    failures: list[BaseException] = []

    def office_desk(pairs: list[tuple[str, str]]) -> None:
        try:
            with Store.open(db) as mine:
                start.wait()
                for _ in range(5):
                    numbers.append(publish(mine, instance, pairs).version)
        except BaseException as e:  # reported below
            failures.append(e)

    desks = [threading.Thread(target=office_desk, args=(p,)) for p in (W50_V1, W50_V2)]
    for t in desks:
        t.start()
    for t in desks:
        t.join()
    assert failures == []
    assert sorted(numbers) == list(range(1, 11))
    assert [v.number for v in store.versions()] == list(range(1, 11))


KILLED = """
import sys, time
sys.path[:0] = [{tests!r}]
from sqlalchemy import event
from sqlalchemy.orm import Session
from roster.app.store import Store
from test_store import W50_V2, publish, week_50

def hold(session):
    print("inside the transaction", flush=True)
    time.sleep(600)

event.listen(Session, "before_commit", hold)
with Store.open({db!r}) as store:
    publish(store, week_50(), W50_V2, note="never lands")
"""


def test_a_publish_killed_inside_its_transaction_leaves_the_store_as_before(
    db: str, store: Store
) -> None:
    publish(store, week_50(), W50_V1)
    script = KILLED.format(tests=str(TESTS), db=db)
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line != "inside the transaction\n":
        child.kill()
        pytest.fail(f"the publish never reached its commit: {line} {child.communicate()[1]}")
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    with Store.open(db) as after:
        assert [v.number for v in after.versions()] == [1]
        latest = after.latest(W50, dt.date(2026, 12, 13))
        assert latest is not None
        assert sorted(latest.pairs) == sorted(W50_V1)
        assert publish(after, week_50(), W50_V2).version == 2


# --- what comes before a horizon --------------------------------------------------------------


def test_worked_days_before_a_horizon(office: Store) -> None:
    # the 10 days before week 52: Fri 11 to Sun 20 December
    #   A: 11 -, 12 - (e1 went to B), 13 s1 e2, 14 m2, 15 -, 16 h2, 17 -, 18 -, 19 -, 20 -
    #   B: 11 t1, 12 e1, 13 - (e2 went to A), then nothing in week 51
    #   C: not in week 51's instance, so the run back from the 20th knows nothing of C
    #   D: only in week 51's instance: 7 known days, e3 on the 17th
    f, t = False, True
    assert office.worked_days_before(W52, 10) == {
        "A": (f, f, t, t, f, t, f, f, f, f),
        "B": (t, t, f, f, f, f, f, f, f, f),
        "D": (f, f, f, t, f, f, f),
    }
    # before week 51: the three days of week 50 (its version 2), C included
    assert office.worked_days_before(W51, 3) == {
        "A": (f, f, t),
        "B": (t, t, f),
        "C": (f, f, f),
    }
    # nothing is published before week 50
    assert office.worked_days_before(W50, 7) == {}


def test_sessions_before_a_horizon(office: Store) -> None:
    assert office.sessions_before(W51, 2) == [B_E1, A_S1, A_E2]
    assert office.sessions_before(W52, 2) == []


def test_delivered_counts_sessions_and_minutes_by_activity(office: Store) -> None:
    # A: clinical m1 240 + s1 240 + e2 180 + h2 240 = 900 in 4; teaching m2 240
    # B: clinical e1 180; teaching t1 240; D: clinical e3 180
    assert office.delivered(W50, dt.date(2026, 12, 20)) == {
        ("A", "clinical"): (4, 900),
        ("A", "teaching"): (1, 240),
        ("B", "clinical"): (1, 180),
        ("B", "teaching"): (1, 240),
        ("D", "clinical"): (1, 180),
    }
    assert office.delivered(W51, dt.date(2026, 12, 20)) == {
        ("A", "clinical"): (1, 240),
        ("A", "teaching"): (1, 240),
        ("D", "clinical"): (1, 180),
    }


def test_fairness_counts_evenings_weekends_and_holidays(office: Store) -> None:
    # A: evening e2; weekend s1, e2 and h2 (the holiday); holiday h2
    # B: e1 is an evening at the weekend; C worked nothing; D: evening e3
    assert office.fairness_counts(W50, dt.date(2026, 12, 20)) == {
        "A": {"evening": 1, "weekend": 3, "holiday": 1},
        "B": {"evening": 1, "weekend": 1, "holiday": 0},
        "C": {"evening": 0, "weekend": 0, "holiday": 0},
        "D": {"evening": 1, "weekend": 0, "holiday": 0},
    }


def test_history_by_week(office: Store) -> None:
    w50_end, w51_end = dt.date(2026, 12, 13), dt.date(2026, 12, 20)
    assert office.history(by="week") == [
        # A in week 50: m1 240 + s1 240 + e2 180; e2 an evening; s1, e2 at the weekend
        HistoryRow(
            "A", "Dr A", "2026-W50", W50, w50_end, {"clinical": 3}, {"clinical": 660}, 1, 2, 0
        ),
        HistoryRow(
            "A",
            "Dr A",
            "2026-W51",
            W51,
            w51_end,
            {"clinical": 1, "teaching": 1},
            {"clinical": 240, "teaching": 240},
            0,
            1,
            1,
        ),
        HistoryRow(
            "B",
            "Dr B",
            "2026-W50",
            W50,
            w50_end,
            {"clinical": 1, "teaching": 1},
            {"clinical": 180, "teaching": 240},
            1,
            1,
            0,
        ),
        HistoryRow(
            "D", "Dr D", "2026-W51", W51, w51_end, {"clinical": 1}, {"clinical": 180}, 1, 0, 0
        ),
    ]


def test_history_by_month_and_term_for_one_clinician(office: Store) -> None:
    december = office.history(clinician="A", by="month")
    assert december == [
        HistoryRow(
            "A",
            "Dr A",
            "2026-12",
            dt.date(2026, 12, 1),
            dt.date(2026, 12, 31),
            {"clinical": 4, "teaching": 1},
            {"clinical": 900, "teaching": 240},
            1,
            3,
            1,
        )
    ]
    assert (december[0].total_sessions, december[0].total_minutes) == (5, 1140)
    terms = {
        "T1": (dt.date(2026, 12, 10), dt.date(2026, 12, 16)),
        "T2": (W51, dt.date(2026, 12, 31)),
    }
    # T1 holds s1, e2, m2 and h2; T2 holds m2 and h2
    assert office.history(clinician="A", by="term", terms=terms) == [
        HistoryRow(
            "A",
            "Dr A",
            "T1",
            dt.date(2026, 12, 10),
            dt.date(2026, 12, 16),
            {"clinical": 3, "teaching": 1},
            {"clinical": 660, "teaching": 240},
            1,
            3,
            1,
        ),
        HistoryRow(
            "A",
            "Dr A",
            "T2",
            W51,
            dt.date(2026, 12, 31),
            {"clinical": 1, "teaching": 1},
            {"clinical": 240, "teaching": 240},
            0,
            1,
            1,
        ),
    ]


def test_history_counts_only_the_dates_asked_for(office: Store) -> None:
    # B from the 12th: e1 only (t1 on the 11th is left out)
    assert office.history(clinician="B", date_from=dt.date(2026, 12, 12)) == [
        HistoryRow(
            "B",
            "Dr B",
            "2026-W50",
            W50,
            dt.date(2026, 12, 13),
            {"clinical": 1},
            {"clinical": 180},
            1,
            1,
            0,
        )
    ]
    assert office.history(date_to=dt.date(2026, 12, 6)) == []
    with pytest.raises(StoreError) as e:
        office.history(by="term")
    assert str(e.value) == "history by term needs the terms (named date ranges)"
