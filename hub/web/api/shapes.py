"""JSON Schemas of what the API answers (the shapes the read side's *_public functions build,
in hub/reads), for the OpenAPI document's `components`. Referenced as
`ref("User")`; schemathesis checks every answer against them."""

from __future__ import annotations

from typing import Any

from hub.models.proposals import ProposalStatus
from hub.models.votes import BallotKind, Choice, Counting, VoteResult, VoteStatus

JsonSchema = dict[str, Any]

STR: JsonSchema = {"type": "string"}
INT: JsonSchema = {"type": "integer"}
BOOL: JsonSchema = {"type": "boolean"}
TIME: JsonSchema = {"type": "string", "format": "date-time"}


def nullable(schema: JsonSchema) -> JsonSchema:
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(**properties: JsonSchema) -> JsonSchema:
    """An object with exactly these properties, all present."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def page(item: JsonSchema, cursor: bool = True) -> JsonSchema:
    """A list answer: {items, next}; `next` is a cursor string or null."""
    return obj(items={"type": "array", "items": item}, next=nullable(STR) if cursor else NULL)


NULL: JsonSchema = {"type": "null"}

_USER_PUBLIC = {
    "id": INT,
    "name": STR,
    "title": STR,
    "municipality": nullable(STR),
    "municipality_name": nullable(STR),
}
_PERSON = obj(id=INT, name=STR, handle=nullable(STR))
_ATTACHMENT = obj(id=INT, filename=STR, size=INT, content_type=STR)
_NETWORK = {
    "slug": STR,
    "name": STR,
    "name_en": STR,
    "description": STR,
    "visibility": {"enum": ["public", "association", "members"]},
    "committee": nullable(STR),
    "confirmed": BOOL,
}
_THREAD = {
    "id": INT,
    "network": STR,
    "title": STR,
    "kind": STR,
    "author_id": nullable(INT),
    "pinned": BOOL,
    "locked": BOOL,
    "post_count": INT,
    "created_at": TIME,
    "last_activity_at": TIME,
}

_PROPOSAL = {
    "id": INT,
    "network": STR,
    "thread_id": nullable(INT),
    "status": {"enum": [s.value for s in ProposalStatus]},
    "version": INT,
    "title": STR,
    "summary": STR,
    "problem": STR,
    "solution": STR,
    "legal_basis": obj(act=STR, article=STR),
    "impact": STR,
    "authors": {
        "type": "array",
        "items": obj(
            id=INT,
            name=STR,
            role=STR,
            accepted=BOOL,
            invited_at=TIME,
            accepted_at=nullable(TIME),
            via_proposal_id=nullable(INT),
        ),
    },
    "merged_into_id": nullable(INT),
    "initiative_id": nullable(INT),
    "created_at": TIME,
    "updated_at": TIME,
    "status_changed_at": TIME,
    "submitted_at": nullable(TIME),
}
NUMBER: JsonSchema = {"type": "number"}
_FIGURE = nullable(INT)  # null while a secret ballot is open
_TALLY = obj(
    status={"enum": [s.value for s in VoteStatus]},
    result=nullable({"enum": [r.value for r in VoteResult]}),
    counting={"enum": [c.value for c in Counting]},
    ballot={"enum": [b.value for b in BallotKind]},
    quorum=INT,
    threshold=INT,
    opened_at=TIME,
    closes_at=TIME,
    closed_at=nullable(TIME),
    seconds_left=INT,
    electors=INT,
    eligible=INT,
    voted=INT,
    uncounted=INT,
    turnout=INT,
    turnout_percent=NUMBER,
    quorum_met=BOOL,
    yes=_FIGURE,
    no=_FIGURE,
    abstain=_FIGURE,
    passing=nullable(BOOL),
    version=INT,
)
_BALLOT = {
    "choice": {"enum": [c.value for c in Choice]},
    "reason": STR,
    "cast_at": TIME,
    "changed_at": TIME,
}
_TRANSITION = obj(
    **{"from": nullable(STR)},
    to=STR,
    actor_id=nullable(INT),
    note=STR,
    at=TIME,
    actor=nullable(obj(id=INT, name=STR)),
)
_INBOX_ITEM = {
    "id": INT,
    "number": STR,
    "title": STR,
    "status": STR,
    "revision": INT,
    "created_at": TIME,
    "status_changed_at": TIME,
}
_FOLLOW_UP = obj(
    id=INT,
    kind={"enum": ["sent", "answered", "regulation_changed", "other"]},
    note=STR,
    date={"type": "string", "format": "date"},
    created_at=TIME,
)
_DECISION = obj(
    decision={"enum": ["adopt", "return", "reject"]},
    revision=INT,
    note=STR,
    actor=nullable(obj(id=INT, name=STR)),
    at=TIME,
)
_COMMITTEE_SCHEMAS: dict[str, JsonSchema] = {
    "InboxItem": obj(**_INBOX_ITEM),
    "Inbox": obj(
        items={"type": "array", "items": ref("InboxItem")},
        next=nullable(STR),
        counts=obj(new=INT, in_review=INT, decided=INT),
    ),
    "InitiativeComment": obj(
        id=INT,
        initiative_id=INT,
        author=nullable(obj(id=INT, name=STR)),
        body=STR,
        html=STR,
        created_at=TIME,
    ),
    "FollowUp": _FOLLOW_UP,
    "InitiativeTimeline": obj(
        initiative={"type": "object", "description": "the initiative, as GET /initiatives/{id}"},
        decisions={"type": "array", "items": _DECISION},
        follow_ups={"type": "array", "items": _FOLLOW_UP},
    ),
    "Revised": obj(proposal_id=INT, version=INT),
    "RevisionDiff": obj(
        **{"from": INT},
        to=INT,
        sections={
            "type": "array",
            "items": obj(
                proposal_id=INT,
                section=STR,
                changed=BOOL,
                segments={"type": "array", "items": {"type": "array", "items": STR}},
            ),
        },
    ),
    "ArchivedInitiative": obj(
        id=INT,
        number=STR,
        title=STR,
        committee=obj(slug=STR, name=STR),
        adopted_at=TIME,
        documents={"type": "object", "additionalProperties": STR},
        follow_ups={"type": "array", "items": _FOLLOW_UP},
        url=STR,
    ),
}

_REVISION = obj(
    revision=INT,
    status={"enum": ["compiling", "ready", "failed"]},
    progress=INT,
    step=STR,
    language=STR,
    attempts=INT,
    error=nullable(STR),
    created_at=TIME,
    finished_at=nullable(TIME),
)
_INITIATIVE = obj(
    id=INT,
    number=STR,
    title=STR,
    status={
        "enum": [
            "compiling",
            "failed",
            "delivered",
            "in_review",
            "adopted",
            "returned",
            "rejected",
            "superseded",
        ]
    },
    language=STR,
    committee=obj(slug=STR, name=STR),
    proposals={
        "type": "array",
        "items": obj(id=INT, title=STR, network=STR, status=STR),
    },
    revision=nullable(_REVISION),
    documents=obj(html=nullable(STR), pdf=nullable(STR), docx=nullable(STR)),
    created_at=TIME,
    status_changed_at=TIME,
    delivered_at=nullable(TIME),
    superseded_by_id=nullable(INT),
)

SCHEMAS: dict[str, JsonSchema] = {
    "Initiative": _INITIATIVE,
    "KeyMark": obj(post_id=INT, key=BOOL, changed=BOOL),
    **_COMMITTEE_SCHEMAS,
    "Error": obj(
        error={
            "type": "object",
            "properties": {"code": STR, "message": STR, "field": STR},
            "required": ["code", "message"],
            "additionalProperties": False,
        }
    ),
    "User": obj(
        **_USER_PUBLIC,
        email=STR,
        is_admin=BOOL,
        is_active=BOOL,
        language=STR,
    ),
    "NewUser": {
        **obj(
            **_USER_PUBLIC,
            email=STR,
            is_admin=BOOL,
            is_active=BOOL,
            language=STR,
            password=STR,
        ),
        "required": [*_USER_PUBLIC, "email", "is_admin", "is_active", "language"],
    },
    "Token": obj(token=STR, user=ref("User")),
    "Me": obj(
        user=ref("User"),
        networks={"type": "array", "items": obj(slug=STR, name=STR, role=STR)},
        committees={"type": "array", "items": obj(slug=STR, name=STR, role=STR)},
    ),
    "Network": obj(**_NETWORK),
    "NetworkDetail": obj(
        **_NETWORK,
        coordinators={"type": "array", "items": obj(id=INT, name=STR)},
        member_count=INT,
    ),
    "Committee": obj(slug=STR, name=STR, name_en=STR, description=STR, confirmed=BOOL),
    "Municipality": obj(
        slug=STR,
        name=STR,
        kind={"enum": ["grad", "opstina", "gradska_opstina"]},
        region=STR,
        district=STR,
        parent=nullable(STR),
        is_member=BOOL,
        confirmed=BOOL,
    ),
    "Invitation": obj(
        id=INT,
        email=STR,
        name=STR,
        network_role=STR,
        created_at=TIME,
        expires_at=TIME,
        accepted=BOOL,
        revoked=BOOL,
    ),
    "NetworkMember": obj(network=STR, user_id=INT, role={"enum": ["member", "coordinator"]}),
    "CommitteeMember": obj(committee=STR, user_id=INT, role={"enum": ["member", "chair"]}),
    "Thread": obj(**_THREAD),
    "BoardThread": obj(**_THREAD, unread=INT),
    "Post": obj(
        id=INT,
        thread_id=INT,
        author=nullable(_PERSON),
        body=STR,
        html=STR,
        reply_to=nullable(INT),
        created_at=TIME,
        edited_at=nullable(TIME),
        edit_count=INT,
        deleted=BOOL,
        hidden=BOOL,
        reactions={"type": "object", "additionalProperties": INT},
        my_reactions={"type": "array", "items": STR},
        attachments={"type": "array", "items": _ATTACHMENT},
    ),
    "NewThread": obj(thread=ref("Thread"), post=ref("Post")),
    "Revision": obj(body=STR, html=STR, written_at=TIME, replaced_at=TIME),
    "Attachment": _ATTACHMENT,
    "Reactions": obj(post_id=INT, reactions={"type": "object", "additionalProperties": INT}),
    "Flagged": obj(post_id=INT, hidden=BOOL),
    "Person": _PERSON,
    "SearchHit": obj(
        kind=STR,
        thread=obj(id=INT, title=STR, network=STR),
        post_id=nullable(INT),
        author=nullable(_PERSON),
        snippet=STR,
    ),
    "Proposal": obj(**_PROPOSAL),
    "Notification": obj(
        id=INT,
        kind=STR,
        title=STR,
        url=STR,
        target=STR,
        actor_id=nullable(INT),
        created_at=TIME,
        read=BOOL,
        read_at=nullable(TIME),
    ),
    "ProposalDetail": obj(
        **_PROPOSAL,
        timeline={"type": "array", "items": _TRANSITION},
        merged_from={"type": "array", "items": INT},
        vote=nullable(ref("Tally")),
    ),
    "Tally": _TALLY,
    "Ballot": obj(**_BALLOT),
    "PublicBallot": obj(voter=obj(id=INT, name=STR), **_BALLOT),
    "Voter": obj(id=INT, name=STR, voted_at=TIME),
    "ProposalRevision": obj(
        version=INT,
        title=STR,
        summary=STR,
        problem=STR,
        solution=STR,
        legal_basis=obj(act=STR, article=STR),
        impact=STR,
        written_at=TIME,
        replaced_at=TIME,
        editor_id=nullable(INT),
    ),
}
