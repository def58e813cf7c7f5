"""A path convertor for database ids: at most nine digits, a number every id column holds, so
a huge number is a 404 from the router rather than a database error (PostgreSQL refuses values
beyond 32 bits; Starlette's `int` convertor passes them on)."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from hub.ids import ID_REGEX


class IdConvertor(Convertor[int]):
    regex = ID_REGEX  # ASCII digits only (hub.ids): '²' or '١' is no id

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
