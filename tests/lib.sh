# Shared helpers for shell test runners: source this, call t_pass/t_fail,
# end with t_summary (prints "N passed, N failed", returns non-zero on failure).
t_passed=0
t_failed=0
t_pass() { t_passed=$((t_passed + 1)); echo "PASS $*"; }
t_fail() { t_failed=$((t_failed + 1)); echo "FAIL $*"; }
t_check() { # t_check NAME COMMAND...: pass when COMMAND succeeds
	local name=$1
	shift
	if "$@"; then t_pass "$name"; else t_fail "$name"; fi
}
t_summary() {
	echo "$t_passed passed, $t_failed failed"
	[ "$t_failed" -eq 0 ]
}
