#!/usr/bin/env bash
# Policy CI, as any CI runner would run it: check, test through the real
# filter, emit deployment manifests, publish the Statement of Applicability.
#
#   examples/ci/policy-ci.sh POLICY TESTS OUT_DIR
#
# Needs `aimsgate` (set AIMSGATE to its path, default: on PATH) and the
# filter module (set AIMSGATE_FILTER, default target/aimsgate/filter.wasm;
# `cargo xtask demo` builds it). Exit status: non-zero on the first failure.
set -euo pipefail

policy=${1:?usage: policy-ci.sh POLICY TESTS OUT_DIR}
tests=${2:?usage: policy-ci.sh POLICY TESTS OUT_DIR}
out=${3:?usage: policy-ci.sh POLICY TESTS OUT_DIR}
aimsgate=${AIMSGATE:-aimsgate}
filter=${AIMSGATE_FILTER:-target/aimsgate/filter.wasm}
mkdir -p "$out"

echo "== check (warnings fail; SARIF for code scanning)"
# The SARIF file is written even when the check fails, so the findings
# still reach the code-scanning annotations.
status=0
"$aimsgate" check --format sarif "$policy" > "$out/policy.sarif" || status=$?
"$aimsgate" check --strict "$policy"
[ "$status" -eq 0 ] || exit "$status"

echo "== policy tests through filter.wasm"
"$aimsgate" test "$tests" --filter "$filter" --junit "$out/policy-tests.xml"

echo "== deployment manifests"
"$aimsgate" compile "$policy" -o "$out/rules.bin"
"$aimsgate" compile "$policy" --emit envoy -o "$out/envoy"
"$aimsgate" compile "$policy" --emit istio --filter "$filter" -o "$out/istio"

echo "== Statement of Applicability"
"$aimsgate" soa "$policy" --format html -o "$out/soa.html"
"$aimsgate" soa "$policy" --format json -o "$out/soa.json"

echo "artefacts in $out: policy.sarif policy-tests.xml rules.bin envoy/ istio/ soa.html soa.json"
