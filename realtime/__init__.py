"""Real-time transport: the /ws endpoint, channel subscriptions and the event bus on Redis."""
