"""An initiative's discussion, read: the comments and their public shape (hub.actions.
initiative_comments writes them).
"""

from __future__ import annotations

from sqlmodel import col, select

from hub.actions.context import Context
from hub.models import InitiativeComment, User
from hub.reads.committee_inbox import require_committee
from hub.reads.initiatives import access_initiative


def comment_public(comment: InitiativeComment, author: User | None) -> dict[str, object]:
    return {
        "id": comment.id,
        "initiative_id": comment.initiative_id,
        "author": {"id": author.id, "name": author.name} if author else None,
        "body": comment.body,
        "html": comment.html,
        "created_at": comment.created_at.isoformat(),
    }


async def list_comments(
    ctx: Context, initiative_id: int
) -> list[tuple[InitiativeComment, User | None]]:
    """The discussion, oldest first (those who work in the committee)."""
    access = await access_initiative(ctx, initiative_id)
    require_committee(ctx, access)
    rows = await ctx.db.exec(
        select(InitiativeComment, User)
        .join(User, col(User.id) == InitiativeComment.author_id, isouter=True)
        .where(InitiativeComment.initiative_id == initiative_id)
        .order_by(col(InitiativeComment.id))
    )
    return list(rows.all())
