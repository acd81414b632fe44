"""Lets the daemon start crawls as `python -m waakhond crawl SOURCE` with the same interpreter."""

from waakhond.cli import main

main()
