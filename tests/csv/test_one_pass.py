"""One pass, every problem: a rejected import lists all it can find at once (issue 18).

The files mix every kind of mistake; each must appear in the same answer with
its physical line and column, including relationships that point at a node
whose own row was rejected (the message says which line).
"""

from __future__ import annotations

from tests.csv.conftest import problems_of
from tests.csv.test_rest import make_session, upload

NODES = (
    "node_id,label,metadata,score:int\n"  # 1
    "A,Alpha,{},1\n"  # 2
    "B,Beta,{bad json,2\n"  # 3  bad JSON cell
    'C,"Gamma\non two lines",{},x\n'  # 4-5  typed column that does not convert
    "A,again,{},3\n"  # 6  duplicate id
    "D,Delta,{}\n"  # 7  too few cells
    "E,Epsilon,[1],4\n"  # 8  metadata not an object
    "bad id,Bad,{},5\n"  # 9  invalid id
    "F,Phi,{},6\n"  # 10
)
RELATIONSHIPS = (
    "source,target,type,weight,properties\n"  # 1
    "A,F,KNOWS,1,{}\n"  # 2  fine
    "A,ZZZ9,KNOWS,1,{}\n"  # 3  unknown node
    "B,F,KNOWS,1,{}\n"  # 4  B was rejected on line 3
    "A,C,KNOWS,1,{}\n"  # 5  C was rejected on line 4
    "D,E,KNOWS,1,{}\n"  # 6  both rejected
    "A,F,KNOWS,2,{}\n"  # 7  duplicate of line 2
    "F,A,KNOWS,heavy,{}\n"  # 8  weight not a number
    "F,A,LIKES,1,{oops\n"  # 9  bad JSON cell
    "F,bad id,KNOWS,1,{}\n"  # 10 rejected id (invalid anyway)
)
EXPECTED = [
    ("nodes", 3, "metadata", "metadata is not valid JSON"),
    ("nodes", 4, "score:int", "'x' is not a 64-bit integer"),
    ("nodes", 6, "node_id", "node id 'A' appears twice in the file (first on line 2)"),
    ("nodes", 7, None, "the row has 3 fields; the header has 4"),
    ("nodes", 8, "metadata", "metadata must be a JSON object"),
    ("nodes", 9, "node_id", "node id 'bad id' is not a valid node id"),
    ("relationships", 3, "target", "node 'ZZZ9' exists neither in the session nor"),
    ("relationships", 4, "source", "node 'B' was rejected on line 3 of the nodes file"),
    ("relationships", 5, "target", "node 'C' was rejected on line 4 of the nodes file"),
    ("relationships", 6, "source", "node 'D' was rejected on line 7 of the nodes file"),
    ("relationships", 6, "target", "node 'E' was rejected on line 8 of the nodes file"),
    ("relationships", 7, None, "relationship A-[KNOWS]->F appears twice in the file"),
    ("relationships", 8, "weight", "weight 'heavy' is not a number"),
    ("relationships", 9, "properties", "properties is not valid JSON"),
    ("relationships", 10, "target", "target 'bad id' is not a valid node id"),
]


def check(problems: list[dict]) -> None:
    got = [(p["file"], p["line"], p["column"]) for p in problems]
    assert got == [(file, line, column) for file, line, column, _ in EXPECTED], problems
    for problem, (*_, message) in zip(problems, EXPECTED, strict=True):
        assert message in problem["message"], (problem, message)


async def test_every_kind_of_problem_in_one_pass(new_session, run_import):
    session_id = await new_session()
    check(await problems_of(run_import, session_id, nodes=NODES, relationships=RELATIONSHIPS))


async def test_create_missing_nodes_does_not_make_a_rejected_node(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(
        run_import,
        session_id,
        nodes="node_id,label\nA,A\n,empty\nB b,bad\n",
        relationships="source,target,type\nA,B b,R\nA,new,R\n",
        create_missing_nodes=True,
    )
    assert [(p["file"], p["line"], p["column"]) for p in problems] == [
        ("nodes", 3, "node_id"), ("nodes", 4, "node_id"), ("relationships", 2, "target"),
    ]  # fmt: skip


async def test_one_rest_response_lists_them_all(client):
    session_id = await make_session(client)
    response = await client.post(
        f"/session/{session_id}/bulk/import",
        files=upload(NODES.encode(), RELATIONSHIPS.encode()),
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "CSV_INVALID"
    assert "15 problems" in error["message"]
    check(error["problems"])
