"""Errors of the storage layer.

StorageError
 ├── DatabaseUnavailable   the database URL is unusable, or the server cannot be reached or migrated
 └── QueryError            a search query or filter cannot be understood (with its column)
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of storage errors."""


class DatabaseUnavailable(StorageError):
    pass


class QueryError(StorageError):
    """A query or filter that cannot be understood; ``column`` (1-based) is where, when known."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column
