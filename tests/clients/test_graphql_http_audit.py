"""The npm `graphql-http` package's server audits (GraphQL-over-HTTP spec) against a live /graphql.

Every MUST and every SHOULD audit must pass; the table of results is printed (`-s`).
"""

from __future__ import annotations

from collections import Counter

from tests.clients.conftest import run_node


async def test_graphql_http_audit_has_no_must_or_should_failure(server):
    results = (await run_node("audit.mjs", f"{server.url}/graphql"))["results"]
    counts = Counter(result["status"] for result in results)
    print(f"\ngraphql-http serverAudits: {len(results)} audits")
    for result in results:
        reason = f"  ({result['reason']})" if result.get("reason") else ""
        print(f"  {result['status']:6} {result['name']}{reason}")
    print(
        f"  pass {counts['ok']}, warn {counts['warn']}, error {counts['error']}, "
        f"notice {counts['notice']}"
    )
    failed = [
        result
        for result in results
        if result["status"] != "ok" and result["name"].startswith(("MUST", "SHOULD"))
    ]
    assert not failed, failed
    assert len(results) >= 40  # the audits did run
