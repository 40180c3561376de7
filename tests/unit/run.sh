#!/usr/bin/env bash
# Run unit-test programs and scripts; total their PASS/FAIL lines.
# A program that exits non-zero without printing a FAIL line (a crash, a
# sanitizer report), or that prints no PASS line at all, counts as one
# more failure under its own name.
# Usage: tests/unit/run.sh PROGRAM...
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

run_one() {
	local prog=$1 log rc line passes=0 fails=0

	log=$(mktemp)
	timeout 600 "$prog" >"$log" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*) t_pass "${line#PASS }"; passes=$((passes + 1)) ;;
		"FAIL "*) t_fail "${line#FAIL }"; fails=$((fails + 1)) ;;
		*) echo "$line" ;;
		esac
	done <"$log"
	rm -f "$log"
	if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		t_fail "$(basename "$prog") (exit status $rc)"
	elif [ "$passes" -eq 0 ] && [ "$fails" -eq 0 ]; then
		t_fail "$(basename "$prog") (ran no test case)"
	fi
}

for prog in "$@"; do
	run_one "$prog"
done
t_summary
