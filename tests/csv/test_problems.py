"""Every kind of rejected input, each reported on the physical line where its record starts."""

from __future__ import annotations

import pytest

from graph_api.config import Limits
from tests.csv.conftest import problems_of

NODE_HEADER = "node_id,label\n"
REL_HEADER = "source,target,type,weight\n"


def only(problems, **expected):
    assert len(problems) == 1, problems
    problem = problems[0]
    message = expected.pop("message", None)
    assert {key: problem[key] for key in expected} == expected
    if message is not None:
        assert message in problem["message"], problem["message"]
    return problem


@pytest.mark.parametrize(
    ("file", "text", "column"),
    [
        ("nodes", "label,type\nA,x\n", "node_id"),
        ("relationships", "target,type\na,R\n", "source"),
        ("relationships", "source,type\na,R\n", "target"),
        ("relationships", "source,target\na,b\n", "type"),
    ],
)
async def test_missing_required_column_on_line_1(new_session, run_import, file, text, column):
    session_id = await new_session()
    problems = await problems_of(run_import, session_id, **{file: text})
    only(problems, file=file, line=1, column=column, message="missing required column")


async def test_a_column_named_twice_is_a_header_problem(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(run_import, session_id, nodes="id,node_id\na,b\n")
    only(problems, file="nodes", line=1, column="node_id", message="repeats column 'id'")


async def test_empty_and_invalid_node_ids(new_session, run_import):
    session_id = await new_session()
    text = NODE_HEADER + "ok,A\n,B\nbad id,C\n-x,D\n" + "y" * 65 + ",E\n"
    problems = await problems_of(run_import, session_id, nodes=text)
    assert [(p["line"], p["column"]) for p in problems] == [
        (3, "node_id"), (4, "node_id"), (5, "node_id"), (6, "node_id"),
    ]  # fmt: skip
    assert "empty" in problems[0]["message"]
    assert "not a valid node id" in problems[1]["message"]


async def test_duplicate_node_id_in_the_file(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(run_import, session_id, nodes=NODE_HEADER + "a,A\nb,B\na,C\n")
    only(problems, line=4, column="node_id", message="appears twice in the file (first on line 2)")


async def test_node_already_in_the_session_in_mode_create(new_session, run_import):
    session_id = await new_session(with_default_nodes=True)
    problems = await problems_of(run_import, session_id, nodes="ID,label\nN003,x\nN002,y\n")
    only(problems, line=3, column="ID", message="'N002' already exists in the session")


async def test_relationship_endpoint_missing(new_session, run_import):
    session_id = await new_session(with_default_nodes=True)
    problems = await problems_of(
        run_import,
        session_id,
        nodes=NODE_HEADER + "a,A\n",
        relationships=REL_HEADER + "a,N001,R,\nN002,ghost,R,\nnope,a,R,\n",
    )
    assert [(p["file"], p["line"], p["column"]) for p in problems] == [
        ("relationships", 3, "target"),
        ("relationships", 4, "source"),
    ]
    assert "'ghost' exists neither in the session nor in the nodes file" in problems[0]["message"]


async def test_duplicate_relationship_in_the_file_and_in_the_session(new_session, run_import):
    session_id = await new_session(with_default_nodes=True)
    await run_import(session_id, relationships=REL_HEADER + "N001,N002,R,\n")
    problems = await problems_of(
        run_import,
        session_id,
        relationships=REL_HEADER + "N002,N001,R,\nN002,N001,R,1\nN001,N002,R,\n",
    )
    assert [(p["line"], p["column"]) for p in problems] == [(3, None), (4, None)]
    assert "appears twice in the file (first on line 2)" in problems[0]["message"]
    assert "N001-[R]->N002 already exists in the session" in problems[1]["message"]


@pytest.mark.parametrize("weight", ["heavy", "1,5", "nan", "inf", "1e999", "0x10"])
async def test_weight_that_is_not_a_finite_number(new_session, run_import, weight):
    session_id = await new_session(with_default_nodes=True)
    problems = await problems_of(
        run_import, session_id, relationships=f'{REL_HEADER}N001,N002,R,"{weight}"\n'
    )
    only(problems, file="relationships", line=2, column="weight", message="weight")


@pytest.mark.parametrize(
    ("header", "cell", "column", "message"),
    [
        ("metadata", "{not json", "metadata", "metadata is not valid JSON"),
        ("metadata", "[1, 2]", "metadata", "metadata must be a JSON object"),
        ("metadata", '{"a": "\\u0000"}', "metadata", "NUL"),
        ("components", '{"type": "x"}', "components", "JSON array"),
        ("components", "[1]", "components", "components[0] must be an object"),
        ("components", '[{"type": "t"}, {"content": "x"}]', "components", "components[1].type"),
        ("components", '[{"type": "t", "colour": 1}]', "components", "unknown field(s): colour"),
        ("components", '[{"type": "t", "content": 5}]', "components", "content must be a string"),
        ("components", '[{"type": "t", "properties": []}]', "components", "properties must be"),
        ("components", '[{"type": " "}]', "components", "must not be blank"),
        ("born:int", "1.5", "born:int", "'1.5' is not a 64-bit integer"),
        ("born:int", "99999999999999999999", "born:int", "64-bit"),
        ("alive:boolean", "yes", "alive:boolean", "is not true or false"),
        ("scores:float[]", "1;x", "scores:float[]", "'1;x' is not a number"),
        ("label", "   ", "label", "label must not be blank"),
        ("type", "\t", "type", "type must not be blank"),
    ],
)
async def test_cells_with_the_wrong_shape(new_session, run_import, header, cell, column, message):
    session_id = await new_session()
    text = f'node_id,{header}\nok,\nn1,"{cell.replace(chr(34), chr(34) * 2)}"\n'
    problems = await problems_of(run_import, session_id, nodes=text)
    only(problems, file="nodes", line=3, column=column, message=message)


async def test_properties_must_be_an_object(new_session, run_import):
    session_id = await new_session(with_default_nodes=True)
    problems = await problems_of(
        run_import, session_id, relationships='source,target,type,properties\nN001,N002,R,"""x"""\n'
    )
    only(problems, line=2, column="properties", message="properties must be a JSON object")


async def test_values_over_the_contract_limits(new_session, run_import):
    limits = Limits()
    session_id = await new_session()
    big = "x" * (limits.max_json_bytes + 1)
    content = "c" * (limits.max_content_bytes + 1)
    text = (
        "node_id,label,type,note,components\n"
        f"a,{'L' * (limits.max_label_length + 1)},,,\n"
        f"b,,{'T' * (limits.max_type_length + 1)},,\n"
        f"c,,,{big},\n"
        f'd,,,,"[{{""type"": ""t"", ""content"": ""{content}""}}]"\n'
        f"e,{'L' * limits.max_label_length},{'T' * limits.max_type_length},,\n"
    )
    problems = await problems_of(run_import, session_id, nodes=text)
    assert [(p["line"], p["column"]) for p in problems] == [
        (2, "label"), (3, "type"), (4, None), (5, "components"),
    ]  # fmt: skip
    assert "1001 characters long; the limit is 1000" in problems[0]["message"]
    assert "limit is 65536" in problems[2]["message"]
    assert "limit is 1048576" in problems[3]["message"]


async def test_relationship_properties_over_the_limit(new_session, run_import):
    session_id = await new_session(with_default_nodes=True)
    big = '{""k"": ""' + "v" * 70_000 + '""}'
    problems = await problems_of(
        run_import,
        session_id,
        relationships=f'source,target,type,properties\nN001,N002,R,"{big}"\n',
    )
    only(problems, line=2, column="properties", message="limit is 65536")


async def test_a_file_that_is_not_utf8(new_session, run_import):
    session_id = await new_session()
    data = "node_id,label\na,Ä\n".encode() + b"b,caf\xe9\n" + b"c,ok\n"
    problems = await problems_of(run_import, session_id, nodes=data)
    only(problems, file="nodes", line=3, column="label", message="not valid UTF-8")


async def test_a_latin1_file_fails_on_every_bad_line(new_session, run_import):
    session_id = await new_session()
    data = "node_id,label\na,Zoë\nb,plain\nc,Ångström\n".encode("latin-1")
    problems = await problems_of(run_import, session_id, nodes=data)
    assert [(p["line"], p["column"]) for p in problems] == [(2, "label"), (4, "label")]


async def test_nul_characters(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(run_import, session_id, nodes="node_id,label\na,x\x00y\n")
    only(problems, line=2, column="label", message="NUL")


async def test_ragged_rows(new_session, run_import):
    session_id = await new_session()
    text = "node_id,label,type\na,A,t\nb,B\nc,C,t,extra\nd,D,t\n"
    problems = await problems_of(run_import, session_id, nodes=text)
    assert [(p["line"], p["column"]) for p in problems] == [(3, None), (4, None)]
    assert problems[0]["message"] == "the row has 2 fields; the header has 3"


async def test_broken_quoting(new_session, run_import):
    session_id = await new_session()
    text = 'node_id,label\na,"fine"\nb,"bad"x\nc,C\nd,"never closed\ne,E\n'
    problems = await problems_of(run_import, session_id, nodes=text)
    assert [(p["line"], p["column"]) for p in problems] == [(3, None), (5, None)]
    assert problems[0]["message"].startswith("malformed CSV")


async def test_line_numbers_count_physical_lines_after_multiline_cells(new_session, run_import):
    session_id = await new_session()
    text = (
        "node_id,label\n"  # 1
        'a,"two\n'  # 2
        'lines"\n'  # 3
        ",empty id\n"  # 4
        'b,"three\r\n'  # 5
        "\r\n"  # 6
        'lines"\n'  # 7
        "bad id,x\n"  # 8
        '"c c","spans\n'  # 9: a bad record is reported where it starts
        'two"\n'  # 10
    )
    problems = await problems_of(run_import, session_id, nodes=text)
    assert [p["line"] for p in problems] == [4, 8, 9]


async def test_every_problem_of_both_files_at_once(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(
        run_import,
        session_id,
        nodes="node_id,weight:int\na,1\n,2\nb,x\n",
        relationships=REL_HEADER + "a,b,R,w\na,zz,R,\n",
    )
    assert [(p["file"], p["line"]) for p in problems] == [
        ("nodes", 3), ("nodes", 4), ("relationships", 2), ("relationships", 3),
    ]  # fmt: skip
    # The row naming the rejected node b is itself rejected (its weight): one problem, not two.
    assert all(p["column"] != "target" or "'zz'" in p["message"] for p in problems)


async def test_at_most_100_problems_the_first_ones(new_session, run_import):
    session_id = await new_session()
    text = NODE_HEADER + "".join(f"bad id {i},x\n" for i in range(12_000))
    problems = await problems_of(run_import, session_id, nodes=text)
    assert len(problems) == 100
    assert [p["line"] for p in problems] == list(range(2, 102))


async def test_the_error_message_counts_the_problems(new_session, run_import):
    from graph_api.errors import CsvInvalid

    session_id = await new_session()
    with pytest.raises(CsvInvalid) as caught:
        await run_import(session_id, nodes=NODE_HEADER + ",\n,\n")
    assert caught.value.message == "The CSV was rejected (2 problems); nothing was imported"
    assert caught.value.extensions["code"] == "CSV_INVALID"


async def test_a_header_that_is_not_utf8(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(run_import, session_id, nodes=b"node_id,caf\xe9\na,b\n")
    only(problems, line=1, column=None, message="the header row is unreadable: the column name")


async def test_a_truncated_character_at_the_end_of_the_file(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(run_import, session_id, nodes=b"node_id,label\na,b\nc,d\xc3")
    only(problems, line=3, column="label", message="not valid UTF-8")


async def test_a_column_without_a_name(new_session, run_import):
    session_id = await new_session()
    problems = await problems_of(run_import, session_id, nodes="node_id,,label\na,x,A\n")
    only(problems, line=1, column=None, message="column 2 has no name")
