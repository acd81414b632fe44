"""Errors of the processing stages.

PipelineError
 ├── ExtractionError
 │    └── EmptyExtraction   trafilatura found no main text in the page
 ├── PublicationError       a KOOP publication or SRU response that cannot be read (malformed,
 │                          truncated, no questions, no text, an SRU diagnostic)
 └── QuerySyntaxError       a watchlist query or term that cannot be parsed (with its column)
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of the processing-stage errors."""


class ExtractionError(PipelineError):
    pass


class EmptyExtraction(ExtractionError):
    pass


class PublicationError(PipelineError):
    pass


class QuerySyntaxError(PipelineError):
    """A watchlist query or term that cannot be parsed; ``column`` is 1-based."""

    def __init__(self, reason: str, column: int) -> None:
        self.reason = reason
        self.column = column
        super().__init__(f"{reason} (column {column})")
