"""The Scrapy project: settings, items, spiders and thin adapters onto pipeline/ and storage/."""
