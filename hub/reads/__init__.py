"""The read side: queries, access checks (`access_*`) and public shapes (`*_public`), one module
per aggregate. It never writes and never emits: what changes data is a `do_*` in hub.actions,
which starts from these checks and answers with these shapes. `python -m scripts.layers`
checks both (no writing module of hub.actions imported, no `.emit(` or `notify_*`)."""
