"""Waakhond's benchmark scripts; `python -m bench` runs them as one suite (bench/__main__.py)."""
