"""Errors of the processing stages.

PipelineError
 └── ExtractionError
      └── EmptyExtraction   trafilatura found no main text in the page
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of the processing-stage errors."""


class ExtractionError(PipelineError):
    pass


class EmptyExtraction(ExtractionError):
    pass
