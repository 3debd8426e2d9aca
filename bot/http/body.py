"""The one way a request body is read: whole, however many reads it arrives in, and capped.

`request.content.read(n)` returns only what has arrived so far, so a body sent in several TCP
writes (or by curl in chunks) used to be cut short; `request.read()` waits for all of it and
enforces the app's `client_max_size`, also for chunked bodies that declare no length."""

from __future__ import annotations

from aiohttp import web

MAX_BODY = 1024 * 1024


class BodyTooLarge(Exception):
    def __init__(self) -> None:
        super().__init__(f"body larger than {MAX_BODY} bytes")


async def read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BodyTooLarge()
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge() from None
