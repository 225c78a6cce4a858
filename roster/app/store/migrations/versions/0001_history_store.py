"""The history store: horizons, versions, their clinicians, assignments and changes.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = "source IN ('publish', 'repair', 'swap', 'cover')"


def upgrade() -> None:
    op.create_table(
        "horizons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name="ck_horizons_ordered"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("start_date", "end_date", name="uq_horizons_dates"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("horizon_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("input_hash", sa.String(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.CheckConstraint(SOURCES, name="ck_versions_source"),
        sa.CheckConstraint("number >= 1", name="ck_versions_number"),
        sa.ForeignKeyConstraint(["horizon_id"], ["horizons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("horizon_id", "number", name="uq_versions_number"),
    )
    op.create_table(
        "version_clinicians",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("clinician", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "clinician"),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("clinician", sa.String(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(), nullable=False),
        sa.Column("specialty", sa.String(), nullable=True),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("weekend", sa.Boolean(), nullable=False),
        sa.Column("holiday", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("period IN ('am', 'pm', 'evening')", name="ck_assignments_period"),
        sa.UniqueConstraint("version_id", "clinician", "session", name="uq_assignments_pair"),
    )
    op.create_index(
        "ix_assignments_version_date", "assignments", ["version_id", "date", "clinician"]
    )
    op.create_index("ix_assignments_clinician_date", "assignments", ["clinician", "date"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("clinician", sa.String(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.CheckConstraint("kind IN ('removed', 'added')", name="ck_changes_kind"),
        sa.CheckConstraint(SOURCES, name="ck_changes_source"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "clinician", "session", "kind", name="uq_changes_item"),
    )
    op.create_index("ix_changes_version_id", "changes", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_changes_version_id", table_name="changes")
    op.drop_table("changes")
    op.drop_index("ix_assignments_clinician_date", table_name="assignments")
    op.drop_index("ix_assignments_version_date", table_name="assignments")
    op.drop_table("assignments")
    op.drop_table("version_clinicians")
    op.drop_table("versions")
    op.drop_table("horizons")
