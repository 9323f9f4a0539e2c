#!/usr/bin/env bash
# Re-creates this folder's vendored files from the npm registry, at the exact versions
# package-lock.json pins (integrity-checked by `npm ci`), so GraphiQL at GET /graphql loads
# nothing from another host and `make serve` needs no Node. Run by `make vendor`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

modules="$work/node_modules"
copy() {  # copy PACKAGE/PATH NAME: one file, renamed flat into this folder
    cp "$modules/$1" "$here/$2"
}
copy react/umd/react.production.min.js react.production.min.js
copy react-dom/umd/react-dom.production.min.js react-dom.production.min.js
copy graphiql/graphiql.min.js graphiql.min.js
copy graphiql/graphiql.min.css graphiql.min.css
copy @graphiql/plugin-explorer/dist/index.umd.js plugin-explorer.umd.js
copy @graphiql/plugin-explorer/dist/style.css plugin-explorer.css
# Their licences travel with them (the explorer plugin ships none; it is MIT like GraphiQL).
copy react/LICENSE LICENSE.react
copy react-dom/LICENSE LICENSE.react-dom
copy graphiql/LICENSE LICENSE.graphiql

for package in react react-dom graphiql @graphiql/plugin-explorer; do
    version="$(node -p "require('$modules/$package/package.json').version")"
    echo "vendored $package@$version"
done
