"""Alerting: message formatting, routing to subscriptions, Telegram and console delivery, the outbox sender."""
