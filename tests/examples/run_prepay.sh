#!/bin/sh
# Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#
# Runs examples/prepay against a real `wxpay sandbox` on 127.0.0.1 (a free port, a temporary
# state directory) and checks what it printed: a code_url, a Request-ID for the order and for
# the query, and the order's NOTPAY state. Usage: run_prepay.sh WXPAY PREPAY
set -eu
wxpay=$1
prepay=$2
dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
"$wxpay" sandbox --host 127.0.0.1 --port 0 --state-dir "$dir/sbx" >"$dir/out" 2>"$dir/err" &
pid=$!
i=0
until grep -q '^listening on ' "$dir/out" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "the sandbox did not start:" >&2; cat "$dir/err" >&2; exit 1
  fi
  sleep 0.1
done
"$prepay" "$dir/sbx/client.json" >"$dir/prepay" 2>&1 || { cat "$dir/prepay" >&2; exit 1; }
cat "$dir/prepay"
grep -q '^code_url weixin://' "$dir/prepay" || { echo "no code_url" >&2; exit 1; }
test "$(grep -c '^Request-ID .\{8,\}' "$dir/prepay")" -eq 2 || { echo "no Request-ID" >&2; exit 1; }
grep -q '^trade_state NOTPAY$' "$dir/prepay" || { echo "not NOTPAY" >&2; exit 1; }
