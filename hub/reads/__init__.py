"""The read side: queries, access checks and public shapes; it never writes and never emits."""
