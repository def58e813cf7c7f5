"""The process's plumbing, not the domain: the runtime (settings, database engine, Redis, job
queue, publisher), the embedded Redis server, logging, the garbage-collection policy of
`hub serve`, and schema migrations. The top of `hub/` is the domain: models, permissions,
events, channels, text handling; `hub/actions` changes data, `hub/web` serves it."""
