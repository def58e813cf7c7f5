"""search by stems: search_documents.stems, the full-text index over text and stems, reindex

Every indexed thread title and post body is indexed again: its normal form (unchanged) and the
Serbian stems of its words (new), read from the threads and posts themselves, since the stored
normal form has lost the diacritics the stemmer uses.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.text.search_terms import normalize, stem_text


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_OPTIONS = "tokenize='unicode61 remove_diacritics 2'"
# The same expression as hub.actions.search.POSTGRES_VECTOR (written out: a migration stays
# as it was when the code moves on).
_WEIGHTED = (
    "(setweight(to_tsvector('simple', text), 'A') || setweight(to_tsvector('simple', stems), 'D'))"
)
_BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stems', sa.Text(), server_default='', nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
        op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5(text, stems, {_FTS_OPTIONS})")
    else:
        op.execute("DROP INDEX ix_search_documents_fts")
        op.execute(f"CREATE INDEX ix_search_documents_fts ON search_documents USING gin ({_WEIGHTED})")
    _reindex()


def _reindex() -> None:
    """Each document again from its source, in batches; documents whose source is gone go."""
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    read = sa.text(
        "SELECT d.id, COALESCE(t.title, p.body) FROM search_documents d "
        "LEFT JOIN threads t ON d.kind = 'thread' AND t.id = d.object_id "
        "LEFT JOIN posts p ON d.kind = 'post' AND p.id = d.object_id "
        "WHERE d.id > :after ORDER BY d.id LIMIT :n"
    )
    after = 0
    while rows := conn.execute(read, {"after": after, "n": _BATCH}).all():
        after = rows[-1][0]
        gone = [{"id": doc_id} for doc_id, source in rows if source is None]
        docs = [
            {"id": doc_id, "x": normalize(source), "s": stem_text(source)}
            for doc_id, source in rows
            if source is not None
        ]
        if gone:
            conn.execute(sa.text("DELETE FROM search_documents WHERE id = :id"), gone)
        if docs:
            conn.execute(
                sa.text("UPDATE search_documents SET text = :x, stems = :s WHERE id = :id"), docs
            )
            if sqlite:
                conn.execute(
                    sa.text("INSERT INTO search_fts (rowid, text, stems) VALUES (:id, :x, :s)"),
                    docs,
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
        op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5(text, {_FTS_OPTIONS})")
        op.execute("INSERT INTO search_fts (rowid, text) SELECT id, text FROM search_documents")
    else:
        op.execute("DROP INDEX ix_search_documents_fts")
        op.execute(
            "CREATE INDEX ix_search_documents_fts ON search_documents "
            "USING gin (to_tsvector('simple', text))"
        )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('stems')
