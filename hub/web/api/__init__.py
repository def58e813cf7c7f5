"""The JSON API under /api/v1 (see docs/api.md and /api/v1/openapi.json)."""
