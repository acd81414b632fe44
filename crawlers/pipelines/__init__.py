"""Item pipelines: thin adapters from Scrapy onto pipeline/ and storage/."""
