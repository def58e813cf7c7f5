"""digests: one row per person and digest period (claimed before the mail is queued)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:58:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('digests_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('period_start', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.CheckConstraint("period IN ('daily', 'weekly')", name=op.f('ck_digests_sent_ck_digest_period')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digests_sent_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests_sent')),
    sa.UniqueConstraint('user_id', 'period_start', name='uq_digest_period')
    )


def downgrade() -> None:
    op.drop_table('digests_sent')
