"""Scrapy spider middlewares of Waakhond."""
