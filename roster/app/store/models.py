"""The history store's tables.

A published roster is a *version* of its *horizon*; each version keeps its assignments (with the
session's place, time, activity and calendar flags as they were when it was published), the
clinicians of the instance it was published from, and its changes from the version before it.
Running totals are never stored: queries derive them from the assignment rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class HorizonRecord(Base):
    """A horizon that has been published at least once: its dates never overlap another's."""

    __tablename__ = "horizons"
    __table_args__ = (
        UniqueConstraint("start_date", "end_date", name="uq_horizons_dates"),
        CheckConstraint("end_date >= start_date", name="ck_horizons_ordered"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)


class VersionRecord(Base):
    """One published roster of a horizon: version 1, 2, ... in the order they were published."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("horizon_id", "number", name="uq_versions_number"),
        CheckConstraint("number >= 1", name="ck_versions_number"),
        CheckConstraint(
            "source IN ('publish', 'repair', 'swap', 'cover')", name="ck_versions_source"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    horizon_id: Mapped[int] = mapped_column(
        ForeignKey("horizons.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    published_by: Mapped[str] = mapped_column(String(), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    input_hash: Mapped[str] = mapped_column(String(), nullable=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    forced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)


class ClinicianRecord(Base):
    """A clinician of the instance a version was published from, as the instance named them."""

    __tablename__ = "version_clinicians"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    clinician: Mapped[str] = mapped_column(String(), primary_key=True)
    name: Mapped[str] = mapped_column(String(), nullable=False)
    role: Mapped[str] = mapped_column(String(), nullable=False)


class AssignmentRecord(Base):
    """A clinician on a session in a version, with the session's facts and calendar flags."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("version_id", "clinician", "session", name="uq_assignments_pair"),
        # the reads take the latest versions' rows over a range of dates
        Index("ix_assignments_version_date", "version_id", "date", "clinician"),
        Index("ix_assignments_clinician_date", "clinician", "date"),
        CheckConstraint("period IN ('am', 'pm', 'evening')", name="ck_assignments_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), nullable=False
    )
    clinician: Mapped[str] = mapped_column(String(), nullable=False)
    session: Mapped[str] = mapped_column(String(), nullable=False)
    site: Mapped[str] = mapped_column(String(), nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    start_time: Mapped[dt.time] = mapped_column(Time, nullable=False)
    end_time: Mapped[dt.time] = mapped_column(Time, nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    activity: Mapped[str] = mapped_column(String(), nullable=False)
    specialty: Mapped[str | None] = mapped_column(String(), nullable=True)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    weekend: Mapped[bool] = mapped_column(Boolean, nullable=False)
    holiday: Mapped[bool] = mapped_column(Boolean, nullable=False)


class ChangeRecord(Base):
    """A difference between a version and the version before it, and what made it."""

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("version_id", "clinician", "session", "kind", name="uq_changes_item"),
        CheckConstraint("kind IN ('removed', 'added')", name="ck_changes_kind"),
        CheckConstraint(
            "source IN ('publish', 'repair', 'swap', 'cover')", name="ck_changes_source"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    clinician: Mapped[str] = mapped_column(String(), nullable=False)
    session: Mapped[str] = mapped_column(String(), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
