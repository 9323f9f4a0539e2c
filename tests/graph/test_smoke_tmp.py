from tests.factories import make_session

Q = """query($s: ID!) { session(id: $s) {
  search(query: "hello wor*") { node { nodeId } score matchedIn }
  typeCounts { nodes { type count } relationships { type count } }
  shortestPath(from: "A", to: "C", direction: BOTH) { length nodes { nodeId } relationships { type sourceId targetId } }
} }"""


async def test_smoke(gql):
    s = await make_session(gql)
    await gql.ok("""mutation($s: ID!) { createNodes(sessionId: $s, inputs: [
      {nodeId: "A", label: "Hello World"}, {nodeId: "B", label: "x", components: [{type: "t", content: "hello, world!"}]},
      {nodeId: "C", label: "c"}]) { nodeId } }""", {"s": s})
    await gql.ok("""mutation($s: ID!) { createRelationships(sessionId: $s, inputs: [
      {sourceId: "A", targetId: "B", type: "T"}, {sourceId: "C", targetId: "B", type: "T"}]) { id } }""", {"s": s})
    print(await gql.ok(Q, {"s": s}))
    assert 0
