"""Test harness: fixture web server for outlets and a fake Telegram Bot API."""
