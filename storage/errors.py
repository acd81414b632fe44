"""Errors of the storage layer.

StorageError
 ├── DatabaseUnavailable   the database URL is unusable, or the server cannot be reached or migrated
 └── QueryError            a search query cannot be understood
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of storage errors."""


class DatabaseUnavailable(StorageError):
    pass


class QueryError(StorageError):
    pass
