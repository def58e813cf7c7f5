"""What the API returns of each object: explicit fields, so a new column never leaks."""

from __future__ import annotations

from typing import Any

from hub.models import Committee, Invitation, Municipality, Network, User


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


def network_public(network: Network, committee: Committee | None) -> dict[str, Any]:
    return {
        "slug": network.slug,
        "name": network.name,
        "name_en": network.name_en,
        "description": network.description,
        "visibility": network.visibility,
        "committee": committee.slug if committee else None,
        "confirmed": network.confirmed,
    }


def committee_public(committee: Committee) -> dict[str, Any]:
    return {
        "slug": committee.slug,
        "name": committee.name,
        "name_en": committee.name_en,
        "description": committee.description,
        "confirmed": committee.confirmed,
    }


def municipality_public(
    municipality: Municipality, parents: dict[int, str] | None = None
) -> dict[str, Any]:
    parent = (parents or {}).get(municipality.parent_id or 0)
    return {
        "slug": municipality.slug,
        "name": municipality.name,
        "kind": municipality.kind,
        "region": municipality.region,
        "district": municipality.district,
        "parent": parent,
        "is_member": municipality.is_member,
        "confirmed": municipality.confirmed,
    }


def invitation_public(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "email": invitation.email,
        "name": invitation.name,
        "network_role": invitation.network_role,
        "created_at": invitation.created_at.isoformat(),
        "expires_at": invitation.expires_at.isoformat(),
        "accepted": invitation.accepted_at is not None,
        "revoked": invitation.revoked_at is not None,
    }
