"""The search index: one row per searchable thing, with its text normalised for Serbian.

Normalised text is Latin, lower-case and without diacritics, so "članovi", "clanovi" and
"чланови" are the same word; `stems` holds the stems of its words in the same form, so that
other endings of a word match too. PostgreSQL indexes both with one GIN full-text index (text
weighted above stems); SQLite with an FTS5 table (search_fts, columns text and stems) whose rowid
is this table's id. Both are made by migrations (0002, rebuilt for stems in 0004).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class SearchDocument(SQLModel, table=True):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", name="uq_search_object"),
        Index("ix_search_network", "network_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # "post", "thread" (later "proposal")
    object_id: int
    network_id: int = Field(foreign_key="networks.id", ondelete="CASCADE")
    thread_id: int | None = Field(default=None)
    author_id: int | None = Field(default=None)
    text: str = Field(sa_column=Column(Text, nullable=False))  # normalised
    stems: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
