"""The history store: published rosters, their versions and changes, and the totals they give.

Open one with :meth:`Store.open` (a SQLite path, or a ``sqlite:///`` or
``postgresql+psycopg://`` URL; ``ROSTER_DB`` when none is given). Anything a user can get wrong
raises :class:`StoreError` with a message to print.
"""

from roster.app.store.database import ENV_VAR, Location, SchemaState, head_revision, resolve_url
from roster.app.store.errors import StoreError
from roster.app.store.records import (
    SOURCES,
    AssignmentRow,
    Change,
    ChangeKind,
    ClinicianRow,
    DayPeriod,
    Difference,
    FairnessCounts,
    HistoryRow,
    Period,
    Published,
    PublishedRoster,
    Source,
    VersionInfo,
)
from roster.app.store.store import Store, assignment_rows

__all__ = [
    "ENV_VAR",
    "SOURCES",
    "AssignmentRow",
    "Change",
    "ChangeKind",
    "ClinicianRow",
    "DayPeriod",
    "Difference",
    "FairnessCounts",
    "HistoryRow",
    "Location",
    "Period",
    "Published",
    "PublishedRoster",
    "SchemaState",
    "Source",
    "Store",
    "StoreError",
    "VersionInfo",
    "assignment_rows",
    "head_revision",
    "resolve_url",
]
