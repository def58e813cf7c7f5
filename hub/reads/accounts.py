"""Users as others see them: a user by id, a municipality by slug, counts; the API's user shapes
(user_public, user_private).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid, NotFound
from hub.models import Municipality, User


async def access_user(ctx: Context, user_id: int) -> User:
    user = await ctx.db.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


async def find_municipality(
    ctx: Context, slug: str | None, field: str = "municipality"
) -> int | None:
    if not slug:
        return None
    row = await ctx.db.exec(select(Municipality.id).where(Municipality.slug == slug))
    municipality_id = row.first()
    if municipality_id is None:
        raise Invalid(N_("Unknown local government."), field=field)
    return municipality_id


async def count_users(ctx: Context) -> int:
    row = await ctx.db.exec(select(func.count()).select_from(User))
    return int(row.one())


async def municipality_of(ctx: Context, user: User) -> Municipality | None:
    if user.municipality_id is None:
        return None
    return await ctx.db.get(Municipality, user.municipality_id)


def user_public(user: User, municipality: Municipality | None = None) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "title": user.title,
        "municipality": municipality.slug if municipality else None,
        "municipality_name": municipality.name if municipality else None,
    }


def user_private(user: User, municipality: Municipality | None = None) -> dict[str, Any]:
    """What a user sees of themselves, and admins of anyone."""
    return {
        **user_public(user, municipality),
        "email": user.email,
        "is_admin": user.is_admin,
        "is_active": user.is_active,
        "language": user.language,
    }
