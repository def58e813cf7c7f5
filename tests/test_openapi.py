"""The OpenAPI document is generated from the declarations the handlers validate with: each
request body, query parameter and answer is there, and a declaration accepts exactly the bodies
its JSON Schema accepts (checked with an independent JSON Schema validator)."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest
from starlette.routing import Route

from hub.actions.errors import Invalid
from hub.web.api.openapi import build
from hub.web.api.spec import NOT_BLANK, Spec, spec_of
from hub.web.routes import API_ROUTES


def operations() -> list[tuple[Route, str, Spec]]:
    found = []
    for route in API_ROUTES:
        assert isinstance(route, Route)
        spec = spec_of(route.endpoint)
        assert spec is not None, f"{route.path} has no Spec"
        found += [(route, m, spec) for m in sorted((route.methods or set()) - {"HEAD"})]
    return found


DOCUMENT = build(API_ROUTES)


def op(path: str, method: str) -> dict[str, Any]:
    return dict(DOCUMENT["paths"]["/api/v1" + path][method])


async def test_the_served_document_is_the_generated_one(client: httpx.AsyncClient) -> None:
    served = (await client.get("/api/v1/openapi.json")).json()
    assert served == DOCUMENT
    assert len([1 for item in served["paths"].values() for _ in item]) == len(operations())


def test_every_operation_lists_its_answers_with_the_error_shape() -> None:
    for route, method, spec in operations():
        answers = op(route.path, method.lower())["responses"]
        assert set(answers) >= {str(s) for s in spec.responses}, route.path
        assert "500" not in answers
        for status, answer in answers.items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (route.path, status)
        success = [s for s in answers if int(s) < 300]
        assert success, route.path
        if not spec.public:
            assert "401" in answers, route.path
        if spec.body is not None:
            assert {"413", "415", "422"} <= set(answers), route.path
        if "{" in route.path:
            assert "404" in answers, route.path


def test_bodies_query_and_multipart_are_declared() -> None:
    body = op("/users", "post")["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["email", "name"]
    assert body["additionalProperties"] is False
    assert body["properties"]["is_admin"] == {
        "type": "boolean",
        "description": "true makes an administrator",
    }
    assert body["properties"]["password"]["minLength"] == 10
    role = op("/networks/{slug}/members/{user_id}", "put")["requestBody"]["content"]
    assert role["application/json"]["schema"]["properties"]["role"]["enum"] == [
        "member",
        "coordinator",
    ]
    upload = op("/attachments", "post")["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    assert upload["multipart/form-data"]["schema"]["properties"]["file"] == {
        "type": "string",
        "format": "binary",
    }
    params = {p["name"]: p for p in op("/threads/{thread_id}/posts", "get")["parameters"]}
    assert params["thread_id"]["in"] == "path"
    assert params["thread_id"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    search = {p["name"] for p in op("/search", "get")["parameters"]}
    assert search == {"q", "network", "author", "cursor"}
    assert op("/auth/token", "post")["security"] == []
    assert "security" not in op("/me", "get")  # the document's default: bearer or session


BODIES: list[Any] = [
    {},
    {"email": "a@b.rs", "name": "A"},
    {"email": "a@b.rs", "name": " "},
    {"email": "a@b.rs", "name": "\u3000\u2028"},
    {"email": "a@b.rs", "name": "\u200b"},
    {"email": "a@b.rs", "name": "A", "is_admin": 1},
    {"email": "a@b.rs", "name": "A", "is_admin": None},
    {"email": "a@b.rs", "name": "A", "password": "short"},
    {"email": "a@b.rs", "name": "A", "password": None, "municipality": None},
    {"email": "a@b.rs", "name": "A", "other": 1},
    {"email": "x" * 255, "name": "A"},
    {"role": "member"},
    {"role": "chair"},
    {"role": None},
    {"title": "t", "body": "b", "attachments": [1, 2]},
    {"title": "t", "body": "b", "attachments": [0]},
    {"title": "t", "body": "b", "attachments": [1.0]},
    {"title": "t", "body": "b", "attachments": [True]},
    {"title": "t", "body": "b", "attachments": [1, 2, 3, 4, 5, 6]},
    {"body": "b", "reply_to": 2**31},
    {"body": "b", "reply_to": 7.0},
    {"body": "b", "reply_to": 7.5},
    {"body": "b" * 20_001},
    {"reason": "spam"},
    {"reason": ""},
    {"network": ""},
    {"network": "sport"},
    {"email": "a@b.rs", "password": "p"},
    {"email": "a@b.rs", "password": "p", "name": None},
]


@pytest.mark.parametrize("body", BODIES)
def test_a_declaration_accepts_exactly_what_its_schema_accepts(body: Any) -> None:
    checked = 0
    for _route, _method, spec in operations():
        if spec.body is None:
            continue
        valid = jsonschema_rs.validator_for(spec.body_schema()).is_valid(body)
        try:
            spec.read_body(body)
            accepted = True
        except Invalid:
            accepted = False
        assert accepted == valid, (spec.summary, body)
        checked += 1
    assert checked >= 10


def test_not_blank_is_the_actions_idea_of_blank() -> None:
    import re

    for text in (" ", "\t\n", "\u3000", "\u2028\u00a0", "\x1c"):
        assert not text.split() and not re.search(NOT_BLANK, text)
    for text in ("a", " a ", "\u200b"):
        assert bool(text.split()) == bool(re.search(NOT_BLANK, text))
    assert jsonschema_rs.is_valid({"pattern": NOT_BLANK}, "\u3000 x")
    assert not jsonschema_rs.is_valid({"pattern": NOT_BLANK}, "\u3000 \x1c")
