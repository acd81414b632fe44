"""Scrapy extensions of Waakhond."""
