"""Committees, networks and memberships of both."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field


class Visibility(StrEnum):
    MEMBERS = "members"  # only the network's members read it
    ASSOCIATION = "association"  # every signed-in user reads it
    PUBLIC = "public"  # anyone, signed in or not, reads it


class NetworkRole(StrEnum):
    MEMBER = "member"
    COORDINATOR = "coordinator"


class CommitteeRole(StrEnum):
    MEMBER = "member"
    CHAIR = "chair"


class Committee(SQLModel, table=True):
    __tablename__ = "committees"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    confirmed: bool = Field(default=True)
    created_at: dt.datetime = created_at_field()


class Network(SQLModel, table=True):
    __tablename__ = "networks"
    __table_args__ = (
        CheckConstraint(check_in("visibility", tuple(Visibility)), name="ck_network_visibility"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    committee_id: int | None = Field(default=None, foreign_key="committees.id", index=True)
    visibility: str = Field(default=Visibility.ASSOCIATION, max_length=20)
    confirmed: bool = Field(default=True)
    committee_confirmed: bool = Field(default=False)
    created_at: dt.datetime = created_at_field()


class NetworkMembership(SQLModel, table=True):
    __tablename__ = "network_memberships"
    __table_args__ = (
        UniqueConstraint("network_id", "user_id", name="uq_network_membership"),
        CheckConstraint(check_in("role", tuple(NetworkRole)), name="ck_network_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="networks.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(default=NetworkRole.MEMBER, max_length=20)
    created_at: dt.datetime = created_at_field()


class CommitteeMembership(SQLModel, table=True):
    __tablename__ = "committee_memberships"
    __table_args__ = (
        UniqueConstraint("committee_id", "user_id", name="uq_committee_membership"),
        CheckConstraint(check_in("role", tuple(CommitteeRole)), name="ck_committee_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committees.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(default=CommitteeRole.MEMBER, max_length=20)
    created_at: dt.datetime = created_at_field()
