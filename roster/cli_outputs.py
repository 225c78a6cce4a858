"""Commands that turn a solved output folder into what people read: workbooks, calendars, reports."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
