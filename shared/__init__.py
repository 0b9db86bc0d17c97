"""The platform's small library: envelope and schemas, database, outbox and relay, idempotent consumers,
dead letters, metrics and configuration. Every service imports it; nothing here knows a service."""
