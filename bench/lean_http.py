"""A lean keep-alive HTTP/1.1 client on raw asyncio streams, for the load generators.

The benchmarks' clients share the machine's cores with the servers they measure; httpx costs
about 3 ms of CPU per request there, which a 500 requests/s round cannot afford. This client does
only what the benchmarks need: one connection, requests in order, `Content-Length` bodies (no
chunked encoding, no redirects, no TLS). The client is the load generator, not the thing measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class LeanHTTPError(Exception):
    """The connection failed or the answer could not be read."""


@dataclass
class Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class LeanClient:
    """One keep-alive connection to `base_url`, every request with the same `headers`."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None, timeout: float = 60):
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._head = f"Host: {parts.netloc}\r\n{extra}".encode("latin-1")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if (
            self._reader is None
            or self._writer is None
            or self._writer.is_closing()
            or self._reader.at_eof()  # the server closed it while idle (keep-alive timeout)
        ):
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(self, method: str, path: str, json_body: Any = None) -> Answer:
        try:
            return await asyncio.wait_for(self._request(method, path, json_body), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.aclose()
            raise LeanHTTPError(type(exc).__name__) from exc

    async def _request(self, method: str, path: str, json_body: Any) -> Answer:
        reader, writer = await self._connect()
        body = b"" if json_body is None else json.dumps(json_body).encode()
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._head
        if json_body is not None:
            head += b"Content-Type: application/json\r\n"
        if body or method in ("POST", "PUT", "PATCH"):
            head += f"Content-Length: {len(body)}\r\n".encode()
        writer.write(head + b"\r\n" + body)
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, close = 0, False
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding":
                raise ValueError("chunked answers are not supported")
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        content = await reader.readexactly(length) if length else b""
        if close:
            await self.aclose()
        return Answer(status, content)

    async def get(self, path: str) -> Answer:
        return await self.request("GET", path)

    async def put(self, path: str, json: Any = None) -> Answer:
        return await self.request("PUT", path, json)

    async def aclose(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
