#!/bin/sh
# Refreshes openapi.json from the server code in this repository and
# regenerates the client. The document is fetched from a freshly started
# server with the default public URL (http://localhost:8080), so the copy is
# stable whichever port the temporary server listens on.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=${PORT:-18099}

(cd "$root" && go build -o "$work/gatehouse" ./cmd/gatehouse)
"$work/gatehouse" serve --addr "127.0.0.1:$port" --public-url http://localhost:8080 \
	--data-dir "$work/data" >"$work/log" 2>&1 &
pid=$!
i=0
until curl -fsS "http://127.0.0.1:$port/api/v1/openapi.json" -o "$work/openapi.json" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then
		cat "$work/log" >&2
		echo "server did not start" >&2
		exit 1
	fi
	sleep 0.1
done
# Kept byte for byte as served, so a test can compare it with the server's.
cp "$work/openapi.json" "$here/openapi.json"
cd "$here" && go generate .
