"""The one error the history store raises for anything a user can get wrong."""

from __future__ import annotations


class StoreError(Exception):
    """Bad input to the store, or a database that cannot be used as it is: a message for the
    user (a command prints it and exits with status 2)."""
