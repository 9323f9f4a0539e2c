#!/bin/sh
# Rebuilds graph-libs.js (sigma.js + graphology + ForceAtlas2 in a web worker) from the
# npm registry at the exact versions pinned in package-lock.json. Needs Node and npm; the
# result is committed, so serving the editor never does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$work/"
cd "$work"
# --ignore-scripts: esbuild's own binary comes as a platform package, no download script.
npm ci --ignore-scripts --no-audit --no-fund
node_modules/.bin/esbuild entry.js --bundle --format=esm --minify --legal-comments=eof \
  --target=es2020 --outfile="$work/graph-libs.js"
for pkg in graphology graphology-layout-forceatlas2 sigma @sigma/node-border; do
  cp "node_modules/$pkg/LICENSE.txt" "$work/LICENSE.$(echo "$pkg" | tr / _).txt" 2>/dev/null || true
done
cp "$work/graph-libs.js" "$here/graph-libs.js"
cat "$work"/LICENSE.*.txt > "$here/LICENSES.txt"
echo "wrote $here/graph-libs.js ($(wc -c < "$here/graph-libs.js") bytes)"
