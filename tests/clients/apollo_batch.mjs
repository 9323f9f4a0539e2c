// Apollo Client 4's BatchHttpLink sending createNode mutations that it batches into one
// POST (CONTRACT.md §13). Run by test_apollo_batch.py:
//   node apollo_batch.mjs URL SESSION_ID '[["A", "label a"], ["B", ""], ...]'
// Prints {"requests": [each HTTP body sent], "results": [{data, errors} per mutation]}.
import { ApolloClient, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";

const [url, sessionId, nodes] = process.argv.slice(2);

const requests = [];
async function recordingFetch(uri, options) {
  requests.push(JSON.parse(options.body));
  return fetch(uri, options);
}

const client = new ApolloClient({
  link: new BatchHttpLink({ uri: url, batchInterval: 50, batchMax: 50, fetch: recordingFetch }),
  cache: new InMemoryCache(),
});

const CREATE_NODE = gql`
  mutation CreateNode($s: ID!, $id: String, $label: String!) {
    createNode(sessionId: $s, input: { nodeId: $id, label: $label }) {
      nodeId
      label
      version
    }
  }
`;

// Issued together, so the link puts them in one batch, in this order.
const settled = await Promise.all(
  JSON.parse(nodes).map(([id, label]) =>
    client.mutate({
      mutation: CREATE_NODE,
      variables: { s: sessionId, id, label },
      errorPolicy: "all",
    }),
  ),
);

const results = settled.map(({ data, error }) => ({
  data: data ?? null,
  errors: error ? (error.errors ?? [{ message: String(error) }]) : [],
}));
console.log(JSON.stringify({ requests, results }));
