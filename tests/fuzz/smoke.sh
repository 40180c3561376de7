#!/usr/bin/env bash
# A short corpus-free run of each libFuzzer target (mk/fuzz.mk), for the
# unit tier: catches crashes that easy inputs reach. `make fuzz` runs long.
# Env: FUZZ_DIR (built targets), FUZZ_SMOKE_SECONDS (default 3 per target:
# eight targets, under half a minute).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${FUZZ_DIR:-$top/build/fuzz}
secs=${FUZZ_SMOKE_SECONDS:-3}
for bin in "$dir"/fuzz-*; do
	name=${bin##*/fuzz-}
	log=$(mktemp)
	tmp=$(mktemp -d)
	if (cd "$tmp" && "$bin" -max_total_time="$secs" -seed=1 \
		-artifact_prefix="$dir/crash-smoke-$name-" >"$log" 2>&1); then
		t_pass "fuzz.$name ($(grep -oE 'Done [0-9]+ runs' "$log" | head -n1))"
	else
		grep -E 'ERROR|SUMMARY|==' "$log" | head -n 20
		t_fail "fuzz.$name"
	fi
	rm -rf "$log" "$tmp"
done
[ "$t_failed" -eq 0 ]
