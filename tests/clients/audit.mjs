// The graphql-http server audits (GraphQL-over-HTTP spec conformance) against a live /graphql.
// Usage: node audit.mjs URL  ->  prints one JSON object: every audit's id, name, status, reason.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
  }
  results.push(entry);
}
process.stdout.write(JSON.stringify({ results }));
