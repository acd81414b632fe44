"""The application shell: config, crawl runner, scheduler daemon and CLI."""
