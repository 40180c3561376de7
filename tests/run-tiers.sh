#!/usr/bin/env bash
# Run each named test tier (make test-<tier>) and total their results.
# A tier that does not end with "N passed, N failed" counts as one failure.
# Each tier's result line is repeated with its wall time: every tier has a
# time budget (README.md, "Tests").
set -uo pipefail

total_pass=0
total_fail=0
for tier in "$@"; do
	echo "=== tier $tier"
	log=$(mktemp)
	start=$SECONDS
	make -s --no-print-directory "test-$tier" 2>&1 | tee "$log"
	secs=$((SECONDS - start))
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$summary" ]; then
		echo "tier $tier: no result line ($((secs / 60))m$((secs % 60))s)"
		total_fail=$((total_fail + 1))
		continue
	fi
	printf 'tier %s: %s (%dm%02ds)\n' "$tier" "$summary" $((secs / 60)) $((secs % 60))
	read -r p _ f _ <<<"$summary"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "=== all tiers"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
