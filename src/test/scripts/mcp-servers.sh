#!/usr/bin/env bash
# Installs the real MCP servers HAIA's tests talk to (@modelcontextprotocol/server-filesystem over stdio,
# @modelcontextprotocol/server-everything over Streamable HTTP) from the committed src/test/mcp/package.json and
# package-lock.json, with `npm ci`, into target/mcp-servers. Installs again only when the lock file changed.
# Prints the install directory. Exit 3 (with the reason) where Node.js 20+ and npm are not available.
set -euo pipefail
cd "$(dirname "$0")/../../.."
src=src/test/mcp
dest=target/mcp-servers

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "mcp-servers: node and npm are needed (Node.js 20 or newer)" >&2
    exit 3
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
    echo "mcp-servers: Node.js $(node -v) is too old; the servers need 20 or newer" >&2
    exit 3
fi
stamp=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$stamp" ] && [ -d "$dest/node_modules" ]; then
    echo "$(pwd)/$dest"
    exit 0
fi
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$src/loopback.mjs" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2)
echo "$stamp" >"$dest/.installed"
echo "$(pwd)/$dest"
