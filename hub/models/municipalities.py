"""Local governments: grad, opština, gradska opština."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in


class MunicipalityKind(StrEnum):
    GRAD = "grad"
    OPSTINA = "opstina"
    GRADSKA_OPSTINA = "gradska_opstina"


class Municipality(SQLModel, table=True):
    __tablename__ = "municipalities"
    __table_args__ = (
        CheckConstraint(check_in("kind", tuple(MunicipalityKind)), name="ck_municipality_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    region: str = Field(default="", max_length=80)
    district: str = Field(default="", max_length=80)
    parent_id: int | None = Field(default=None, foreign_key="municipalities.id")
    # Seeded from public lists; to be checked against the association's own member list.
    confirmed: bool = Field(default=False)
    is_member: bool = Field(default=True)
