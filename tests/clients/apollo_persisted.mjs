// Apollo Client 4 with its persisted-queries link (automatic persisted queries) under Node.
// Usage: node apollo_persisted.mjs HTTP_URL
// One client creates a session and reads it twice; then a fresh client (nothing cached,
// hashed queries over GET) reads it again. Prints {created, first, second, fresh}.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { createHash } from 'node:crypto';

const uri = `${process.argv[2]}/graphql`;
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function client(options = {}) {
  const persisted = new PersistedQueryLink({ sha256, ...options });
  return new ApolloClient({
    link: persisted.concat(new HttpLink({ uri })),
    cache: new InMemoryCache(),
  });
}

const CREATE = gql`
  mutation Create($name: String) {
    createSession(input: { name: $name }) { id name }
  }
`;
const READ = gql`
  query Read($s: ID!) {
    session(id: $s) { id name revision }
  }
`;

const apollo = client();
const created = await apollo.mutate({ mutation: CREATE, variables: { name: 'via Apollo' } });
const sessionId = created.data.createSession.id;
const read = () => apollo.query({ query: READ, variables: { s: sessionId }, fetchPolicy: 'network-only' });
const first = await read();
const second = await read();

const fresh = await client({ useGETForHashedQueries: true }).query({
  query: READ,
  variables: { s: sessionId },
  fetchPolicy: 'network-only',
});

const pick = (result) => ({ data: result.data, error: result.error ? String(result.error) : null });
process.stdout.write(
  JSON.stringify({ created: pick(created), first: pick(first), second: pick(second), fresh: pick(fresh) }),
);
