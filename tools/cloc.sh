#!/usr/bin/env bash
# Count the VMM's own lines: the sources linked into vmm.elf (given as
# arguments by `make cloc`), without blank lines and comments. mbedtls and
# libfdt are not counted: they come from Debian's packages.
set -euo pipefail

count() { # non-blank lines outside /* */ and // comments
	sed -e 's|//.*$||' "$1" | awk '
		{ line = $0; out = "" }
		{
			while (length(line)) {
				if (incomment) {
					p = index(line, "*/")
					if (!p) { line = ""; break }
					line = substr(line, p + 2); incomment = 0
				} else {
					p = index(line, "/*")
					if (!p) { out = out line; line = ""; break }
					out = out substr(line, 1, p - 1); line = substr(line, p + 2); incomment = 1
				}
			}
			if (out ~ /[^ \t]/) n++
		}
		END { print n + 0 }'
}

declare -A by_dir
total=0
headers=$(for f in "$@"; do grep -ho '#include "[^"]*"' "$f" | sed 's/#include "\(.*\)"/\1/'; done | sort -u |
	while read -r h; do [ -f "$h" ] && echo "$h"; done)
for f in "$@" $headers; do
	n=$(count "$f")
	d=${f%%/*}
	[ "$d" = arch ] && d=arch/x86
	by_dir[$d]=$(( ${by_dir[$d]:-0} + n ))
	total=$((total + n))
done
printf '%-10s %6s\n' part lines
for d in "${!by_dir[@]}"; do printf '%-10s %6d\n' "$d" "${by_dir[$d]}"; done | sort
printf '%-10s %6d\n' total "$total"
