"""create_app(): the one place where routes, middleware and lifespan are wired."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect

from hub.actions import outbox_sweep
from hub.actions.errors import ActionError
from hub.config import Settings
from hub.plumbing import gc_policy
from hub.plumbing.migrate import is_current
from hub.plumbing.runtime import Runtime, open_runtime
from hub.web.csrf import CSRFMiddleware
from hub.web.errors import action_error_handler, client_gone_handler, http_error_handler
from hub.web.live import register
from hub.web.middleware import (
    BodyLimitMiddleware,
    HeadersAndMetricsMiddleware,
    InputGuardMiddleware,
    VisitorMiddleware,
)
from hub.web.route_index import IndexedRouter
from hub.web.routes import all_routes, body_limit
from realtime.service import Realtime

log = logging.getLogger("hub.web")


class OutdatedSchema(RuntimeError):
    pass


# What runs the job worker beside the app, given the app's runtime: `hub serve` passes
# workers.in_process.in_process_worker (the web layer does not import the workers).
WorkerStarter = Callable[[Runtime], AbstractAsyncContextManager[None]]


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, worker: WorkerStarter | None = None
) -> Starlette:
    """The ASGI app. With `runtime` given (tests), the caller owns it and its lifetime. With
    `worker` given and settings.run_worker, the app runs the job worker in-process."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if runtime is not None:
                rt = runtime
            else:
                rt = await stack.enter_async_context(open_runtime(settings))
            if not await is_current(rt.engine):
                raise OutdatedSchema(
                    "the database schema is out of date: run `hub migrate` (or `hub serve`)"
                )
            app.state.runtime = rt
            if runtime is None:
                await stack.enter_async_context(_realtime(app, rt))
                await stack.enter_async_context(outbox_sweep.sweeping(rt))
            if worker is not None and settings.run_worker and runtime is None:
                await stack.enter_async_context(worker(rt))
            if runtime is None:  # a server process of its own (not a test's app)
                waiting = HeadersAndMetricsMiddleware.waiting
                await stack.enter_async_context(gc_policy.scheduled(waiting=waiting))
            log.info("started", extra={"base_url": settings.base_url})
            yield

    def current_runtime() -> Runtime:
        return app.state.runtime  # type: ignore[no-any-return]

    # Unhandled exceptions are answered by HeadersAndMetricsMiddleware (the 500 gets the
    # headers and the error page); the visitor comes before the body limit, so a 413 speaks
    # the reader's language.
    middleware = [
        Middleware(HeadersAndMetricsMiddleware, secure=settings.secure_cookies),
        Middleware(VisitorMiddleware, runtime=current_runtime),
        Middleware(BodyLimitMiddleware, limit=body_limit(settings.max_body_bytes)),
        Middleware(InputGuardMiddleware),
        Middleware(CSRFMiddleware, runtime=current_runtime),
    ]
    exception_handlers: dict[Any, Any] = {
        ActionError: action_error_handler,
        HTTPException: http_error_handler,
        ClientDisconnect: client_gone_handler,
    }
    app = Starlette(middleware=middleware, exception_handlers=exception_handlers)
    # The route table behind a router that tries only the routes a path could match.
    app.router = IndexedRouter(all_routes(), lifespan=lifespan)
    if runtime is not None:
        app.state.runtime = runtime
    return app


@contextlib.asynccontextmanager
async def _realtime(app: Starlette, runtime: Runtime) -> AsyncIterator[None]:
    """The real-time service: events published after commit go to Redis, then to sockets."""
    register(runtime)
    service = Realtime(runtime)
    await service.start()
    app.state.realtime = service
    runtime.publisher = service.publish
    try:
        yield
    finally:
        await service.stop()
