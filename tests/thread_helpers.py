"""A thread viewed as its page views it: the window read, then the reader's marker moved."""

from __future__ import annotations

from hub.actions.context import Context
from hub.actions.threads import do_mark_thread_read
from hub.reads.threads import ThreadWindow, thread_window


async def view_thread(ctx: Context, thread_id: int, **position: int) -> ThreadWindow:
    """hub.reads.threads.thread_window, then hub.actions.threads.do_mark_thread_read: the two
    steps of the thread page (and of GET /api/v1/threads/{id}/posts)."""
    window = await thread_window(ctx, thread_id, **position)
    await do_mark_thread_read(ctx, window)
    return window
