"""Background jobs on arq. Jobs call actions; nothing here imports Starlette."""
