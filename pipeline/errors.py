"""Errors of the processing stages.

PipelineError
 ├── ExtractionError
 │    └── EmptyExtraction   trafilatura found no main text in the page
 └── PublicationError       a KOOP publication or SRU response that cannot be read (malformed,
                            truncated, no questions, no text, an SRU diagnostic)
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
