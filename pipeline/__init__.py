"""Plain-Python processing stages: extract, classify (no Scrapy import here)."""
