"""Real-time transport: the /ws endpoint and the event bus on Redis (arrives with the live-threads issue)."""
