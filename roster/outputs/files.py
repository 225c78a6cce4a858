"""The files `roster solve` (and repair, explain --relax, sweep) write into an output folder."""

from __future__ import annotations

from typing import Any

from roster.app.solving import Outcome
from roster.domain.io import json_bytes, table_bytes
from roster.domain.tables import Instance
from roster.outputs.tables import (
    CLINICIAN_COLUMNS,
    COVERAGE_COLUMNS,
    ROSTER_COLUMNS,
    clinician_rows,
    coverage_rows,
    roster_rows,
)
from roster.outputs.xlsx import workbook_bytes


def output_files(
    instance: Instance, outcome: Outcome, summary_data: dict[str, Any]
) -> dict[str, bytes]:
    pairs = outcome.result.assignments
    return {
        "roster.csv": table_bytes(roster_rows(instance, pairs), ROSTER_COLUMNS),
        "clinicians.csv": table_bytes(clinician_rows(instance, pairs), CLINICIAN_COLUMNS),
        "coverage.csv": table_bytes(coverage_rows(instance, pairs), COVERAGE_COLUMNS),
        "summary.json": json_bytes(summary_data),
        "roster.xlsx": workbook_bytes(instance, pairs, summary_data),
        # the validated instance, so that exports and reports need only this folder
        "instance.json": instance.model_dump_json(indent=1).encode("utf-8"),
    }
