"""The caller's notifications (JSON): list them, mark them read. Another person's ids change
nothing and are not told apart from ids that do not exist (`marked` counts what changed)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from hub.actions import notifications, notify_prefs
from hub.actions.errors import N_, Invalid
from hub.models.notifications import NotificationKind
from hub.reads import notifications as notifications_reads
from hub.reads import notify_prefs as notify_prefs_reads
from hub.web.api.handler import Call, api_action
from hub.web.api.shapes import BOOL, INT, STR, JsonSchema, nullable, obj, ref
from hub.web.api.spec import Field, Param, Spec
from hub.web.forms import Context

MAX_IDS = 100

LIST = Spec(
    summary="The caller's notifications, newest first",
    query=(
        Param("unread", choices=("", "true", "false"), description="`true`: unread ones only"),
        Param(
            "cursor",
            "int",
            minimum=1,
            message=N_("The page cursor is not valid."),
            description="`next` of the previous page",
        ),
    ),
    responses={
        200: (
            "a page of notifications, the next page's cursor and the unread count",
            obj(
                items={"type": "array", "items": ref("Notification")},
                next=nullable(STR),
                unread=INT,
            ),
        ),
        422: "an unknown `unread` value or a cursor that is not valid",
    },
)


@api_action(LIST)
async def list_notifications(ctx: Context, call: Call) -> Any:
    rows, next_id = await notifications_reads.list_notifications(
        ctx, unread=call.query.get("unread") == "true", before=call.query["cursor"]
    )
    unread = await notifications_reads.unread_count(ctx)
    items = [notifications_reads.notification_public(r) for r in rows]
    return {"items": items, "next": str(next_id) if next_id else None, "unread": unread}


READ = Spec(
    summary="Mark the caller's notifications read: `ids`, or `all: true`",
    body=(
        Field("ids", "ids", max_items=MAX_IDS, description="the caller's notifications"),
        Field("all", "bool", description="`true`: every notification of the caller"),
    ),
    responses={
        200: (
            "how many were newly marked (ids of others and unknown ids change nothing)",
            obj(marked=INT, unread=INT),
        ),
        422: "neither `ids` nor `all: true`, or more than 100 ids",
    },
)


@api_action(READ)
async def mark_read(ctx: Context, call: Call) -> Any:
    data = call.data
    if not data.get("all") and not data.get("ids"):
        raise Invalid(N_("Give the ids to mark read, or all: true."), field="ids")
    marked = await notifications.do_mark_read(
        ctx, ids=data.get("ids") or [], every=bool(data.get("all"))
    )
    return {"marked": marked, "unread": await notifications_reads.unread_count(ctx)}


ROUTES = [
    Route("/notifications", list_notifications, methods=["GET"]),
    Route("/notifications/read", mark_read, methods=["POST"]),
]


class _PrefsSpec(Spec):
    """The settings' body: maps keyed by kinds and by the caller's networks, checked by the
    action (hub.actions.notify_prefs) so that nothing is written unless all of it is valid."""

    def body_schema(self) -> JsonSchema:
        return {
            "type": "object",
            "properties": {
                "email": {
                    "type": "object",
                    "propertyNames": {"enum": [str(k) for k in NotificationKind]},
                    "additionalProperties": BOOL,
                },
                "networks": {
                    "type": "object",
                    "additionalProperties": {"enum": list(notify_prefs_reads.LEVELS)},
                },
                "digest": {"enum": list(notify_prefs_reads.DIGESTS)},
            },
            "additionalProperties": False,
        }

    def read_body(self, data: dict[str, Any]) -> dict[str, Any]:
        for key in data:
            if key not in ("email", "networks", "digest"):
                raise Invalid(N_("This field is not known."), field=key)
        return data


_PREFS = obj(
    email={"type": "object", "additionalProperties": BOOL},
    networks={"type": "object", "additionalProperties": STR},
    digest=STR,
)


GET_PREFS = Spec(
    summary="The caller's notification settings", responses={200: ("the settings", _PREFS)}
)


@api_action(GET_PREFS)
async def get_preferences(ctx: Context, call: Call) -> Any:
    user = ctx.require_user()
    return (await notify_prefs_reads.prefs_of(ctx, user.id or 0)).public()


PUT_PREFS = _PrefsSpec(
    summary="Change the caller's notification settings (only what the body names)",
    body=(),
    responses={
        200: ("the settings now", _PREFS),
        422: "an unknown kind, a network not the caller's, a level or digest not allowed: "
        "nothing changed",
    },
)


@api_action(PUT_PREFS)
async def put_preferences(ctx: Context, call: Call) -> Any:
    return (await notify_prefs.do_set_prefs(ctx, call.data)).public()


ROUTES += [
    Route("/me/preferences", get_preferences, methods=["GET"]),
    Route("/me/preferences", put_preferences, methods=["PUT"]),
]
