"""The contract's default depth and alias limits (15 and 500), crossed by one."""

from __future__ import annotations

from tests.graphql.helpers import code


def _nested(depth: int) -> str:
    """A query whose deepest field is `depth` levels below the root field `session`."""
    fields, on_session = [], True
    for _ in range(depth - 1):
        fields.append('node(nodeId: "N001")' if on_session else "session")
        on_session = not on_session
    inner = "id" if on_session else "nodeId"
    for field in reversed(fields):
        inner = f"{field} {{ {inner} }}"
    return f'{{ session(id: "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f") {{ {inner} }} }}'


async def test_depth_15_is_answered_and_16_is_limit_exceeded(gql):
    assert await gql.ok(_nested(15)) == {"session": None}
    body = await gql(_nested(16))
    assert [code(error) for error in body["errors"]] == ["LIMIT_EXCEEDED"]


async def test_500_aliases_are_answered_and_501_are_limit_exceeded(gql):
    assert await gql.ok("{ " + " ".join(f"a{i}: __typename" for i in range(500)) + " }")
    body = await gql("{ " + " ".join(f"a{i}: __typename" for i in range(501)) + " }")
    assert [code(error) for error in body["errors"]] == ["LIMIT_EXCEEDED"]
