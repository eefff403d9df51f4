#!/usr/bin/env bash
# Proves that the build enforces the library's layers (cmake/layers.cmake, docs/adr/0009-layers.md).
# In scratch copies of the source tree it adds an upward #include (public and private header), an
# upward call, an unmapped header and a header mapped twice, and checks that each one breaks the
# configure or the build with the expected message, while the unchanged copy builds. Only the
# small lower layers are compiled (crypto, transport, auth), so it takes well under a minute.
#
#   tests/layering/layering_test.sh SOURCE_DIR [SCRATCH_DIR]
set -euo pipefail

SRC=$(cd "${1:?usage: layering_test.sh SOURCE_DIR [SCRATCH_DIR]}" && pwd)
SCRATCH=${2:-$(mktemp -d)}
mkdir -p "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT
JOBS=${JOBS:-2}
failures=0
checks=0

pass() { checks=$((checks + 1)); echo "ok   $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $*"; }

# A fresh copy of what the library's build reads (no tests, apps or docs).
fresh_copy() {
  local dir=$SCRATCH/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r "$SRC/CMakeLists.txt" "$SRC/cmake" "$SRC/include" "$SRC/src" "$dir/"
  echo "$dir"
}

configure() {  # dir -> log in dir/configure.log; status of cmake
  cmake -S "$1" -B "$1/build" -DCMAKE_BUILD_TYPE=Debug -DWECHATPAY_BUILD_TESTS=OFF \
    -DWECHATPAY_BUILD_APPS=OFF -DWECHATPAY_WERROR=ON >"$1/configure.log" 2>&1
}

build() {  # dir target... -> log in dir/build.log
  local dir=$1
  shift
  cmake --build "$dir/build" -j "$JOBS" --target "$@" >"$dir/build.log" 2>&1
}

# expect_build_failure NAME DIR PATTERN TARGET...: the build must fail and say PATTERN.
expect_build_failure() {
  local name=$1 dir=$2 pattern=$3
  shift 3
  if ! configure "$dir"; then
    fail "$name: configure failed: $(tail -5 "$dir/configure.log")"
  elif build "$dir" "$@"; then
    fail "$name: the build succeeded, so the layer rule is not enforced"
  elif grep -q -- "$pattern" "$dir/build.log"; then
    pass "$name: the build fails: $(grep -m1 -- "$pattern" "$dir/build.log" | sed "s#$dir/##g")"
  else
    fail "$name: the build failed, but not with \"$pattern\": $(grep -m3 -i error "$dir/build.log")"
  fi
}

expect_configure_failure() {
  local name=$1 dir=$2 pattern=$3
  if configure "$dir"; then
    fail "$name: configuring succeeded"
  elif grep -q -- "$pattern" "$dir/configure.log"; then
    pass "$name: configuring fails: $(grep -m1 -- "$pattern" "$dir/configure.log")"
  else
    fail "$name: configuring failed, but not with \"$pattern\": $(tail -5 "$dir/configure.log")"
  fi
}

LOWER_CHECKS=(wechatpay_layer_check_crypto wechatpay_layer_check_transport
              wechatpay_layer_check_auth)

# 1. The tree as it is: configures, and the lower layers compile and link on their own.
dir=$(fresh_copy pristine)
if ! configure "$dir"; then
  fail "pristine: configure failed: $(tail -5 "$dir/configure.log")"
elif ! build "$dir" "${LOWER_CHECKS[@]}"; then
  fail "pristine: the lower layers do not build: $(grep -m5 -i error "$dir/build.log")"
else
  pass "pristine: crypto, transport and auth compile and link without the layers above"
fi

# 2. No source reaches around the include views with a relative path.
if grep -rnE '#include "\.\./' "$SRC/src" >/dev/null; then
  fail "relative includes: $(grep -rnE '#include "\.\./' "$SRC/src" | head -3)"
else
  pass "relative includes: no #include \"../...\" under src/"
fi

# 3. Upward includes of public headers, one per pair of layers.
upward_public() {  # name file header target
  local dir
  dir=$(fresh_copy "$1")
  sed -i "0,/^#include/s|^#include|#include \"wechatpay/$3\"\n&|" "$dir/$2"
  expect_build_failure "$1" "$dir" "wechatpay/$3: No such file" "$4"
}
upward_public crypto-includes-transport src/crypto/result.cc http.h wechatpay_layer_crypto
upward_public crypto-includes-api src/crypto/crypto.cc client.h wechatpay_layer_crypto
upward_public transport-includes-auth src/transport/url.cc auth.h wechatpay_layer_transport
upward_public transport-includes-api src/transport/http.cc catalog.h wechatpay_layer_transport
upward_public auth-includes-api src/auth/auth.cc client.h wechatpay_layer_auth
upward_public auth-includes-models src/auth/auth.cc models/runtime.h wechatpay_layer_auth
# Test support (wechatpay_testing) sits above every layer: no layer may include it.
upward_public auth-includes-testing src/auth/auth.cc testing/server.h wechatpay_layer_auth

# 4. Upward includes of another layer's private headers.
upward_private() {  # name file header target
  local dir
  dir=$(fresh_copy "$1")
  sed -i "0,/^#include/s|^#include|#include \"$3\"\n&|" "$dir/$2"
  expect_build_failure "$1" "$dir" "$3: No such file" "$4"
}
upward_private transport-includes-api-private src/transport/curl_transport.cc api/client_impl.h \
  wechatpay_layer_transport
upward_private crypto-includes-transport-private src/crypto/crypto.cc transport/executor.h \
  wechatpay_layer_crypto
upward_private auth-includes-api-catalog src/auth/auth.cc api/catalog/catalog_internal.h \
  wechatpay_layer_auth

# 5. Upward calls without an include (a hand-written declaration): the link check fails.
dir=$(fresh_copy auth-calls-api)
cat >>"$dir/src/auth/auth.cc" <<'CC'
namespace wechatpay::miniprogram { bool IsRfc3339(std::string_view text); }
namespace wechatpay { bool LayeringProbe() { return miniprogram::IsRfc3339("x"); } }
CC
expect_build_failure auth-calls-api "$dir" "undefined reference" wechatpay_layer_check_auth
dir=$(fresh_copy crypto-calls-transport)
cat >>"$dir/src/crypto/result.cc" <<'CC'
namespace wechatpay { std::string UrlLayeringProbe(std::string_view s); }
namespace wechatpay { std::string LayeringProbe() { return UrlLayeringProbe("x"); } }
CC
expect_build_failure crypto-calls-transport "$dir" "undefined reference" \
  wechatpay_layer_check_crypto

# 6. The map: an unmapped public header, a header in two layers, a source directory that is not
#    a layer; each stops the configure.
dir=$(fresh_copy unmapped-header)
printf '#pragma once\n' >"$dir/include/wechatpay/stray.h"
expect_configure_failure unmapped-header "$dir" "include/wechatpay/stray.h belongs to no layer"
dir=$(fresh_copy header-in-two-layers)
sed -i 's/^set(WECHATPAY_LAYER_crypto_HEADERS \(.*\))$/set(WECHATPAY_LAYER_crypto_HEADERS \1 http.h)/' \
  "$dir/cmake/layers.cmake"
grep -q '^set(WECHATPAY_LAYER_crypto_HEADERS .* http.h)$' "$dir/cmake/layers.cmake" ||
  echo "layering: the header-in-two-layers edit did not apply to cmake/layers.cmake" >&2
expect_configure_failure header-in-two-layers "$dir" "include/wechatpay/http.h is in two layers"
dir=$(fresh_copy stray-source-dir)
mkdir -p "$dir/src/misc"
expect_configure_failure stray-source-dir "$dir" "src/misc is not a layer"

# 7. A downward include is never refused.
dir=$(fresh_copy downward-include)
sed -i '0,/^#include/s|^#include|#include "wechatpay/result.h"\n&|' "$dir/src/transport/url.cc"
if configure "$dir" && build "$dir" wechatpay_layer_transport; then
  pass "downward-include: transport including a crypto header builds"
else
  fail "downward-include: a downward include was refused: $(grep -m3 -i error "$dir/build.log")"
fi

echo "layering: $((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
