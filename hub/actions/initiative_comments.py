"""The committee's discussion of an initiative: comments by those who work in the committee.

A comment is Markdown rendered and sanitised like a post (hub.text.markdown). The first comment on
a delivered initiative starts the committee's review (delivered -> in_review, see
hub.actions.initiative_decisions.begin_review). Comments are told live on the committee's
channel, which only the committee's members may subscribe to: the proposals' networks never
see the discussion.
"""

from __future__ import annotations

from hub import channels
from hub.actions.context import Context
from hub.actions.initiative_decisions import begin_review
from hub.actions.posts import BODY_REQUIRED
from hub.actions.validate import check_text
from hub.events import Event
from hub.models import InitiativeComment, User
from hub.models.committee_work import COMMENT_MAX
from hub.reads.committee_inbox import DECIDABLE, require_committee
from hub.reads.initiative_comments import comment_public
from hub.reads.initiatives import InitiativeAccess, access_initiative, initiative_conflict
from hub.text.markdown import render


def notify_comment(
    access: InitiativeAccess, comment: InitiativeComment, author: User | None
) -> Event:
    return Event(
        channel=channels.committee(access.committee.slug),
        type="initiative.comment",
        data=comment_public(comment, author),
    )


async def do_comment(ctx: Context, initiative_id: int, *, body: str | None) -> InitiativeComment:
    """A comment by someone who works in the committee, while the initiative awaits its
    decision (delivered or in review; else 409 naming the state)."""
    access = await access_initiative(ctx, initiative_id)
    user = ctx.require_user()
    require_committee(ctx, access)
    text = check_text(body, "body", COMMENT_MAX, required=BODY_REQUIRED)
    if access.initiative.status not in DECIDABLE:
        raise initiative_conflict(access.initiative.status)
    await begin_review(ctx, access)
    comment = InitiativeComment(
        initiative_id=initiative_id, author_id=user.id, body=text, html=render(text)
    )
    ctx.db.add(comment)
    await ctx.db.flush()
    ctx.audit("initiative.commented", access.initiative, comment=comment.id)
    ctx.emit(notify_comment(access, comment, user))
    return comment
