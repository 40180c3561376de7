#!/usr/bin/env bash
# The ACPI tables of every guest of a staged config whose package has them:
# they must pass tools/linux/check-acpi.py and describe exactly the
# guest's vCPUs (one Local APIC, IDs 0..N-1, per vCPU its manifest needs),
# so that a guest never sees processors it does not have or misses one it
# has (docs/guest-platform.md, "Several vCPUs"). Every guest is a package:
# a guest without one is refused here as the config parser refuses it.
#
# Usage: tools/linux/check-guest-acpi.sh VIGIL_DIR
#   VIGIL_DIR: system.dtb and the packages it names, as on an ESP's vigil/.
# Exits 1 naming each guest whose tables do not fit, with the checker's
# reason.
set -uo pipefail
dir=${1:?usage: check-guest-acpi.sh VIGIL_DIR}
ck=$(dirname "$0")/check-acpi.py
dtb=$dir/system.dtb
rc=0
for g in $(fdtget -l "$dtb" /guests); do
	if ! pkg=$(fdtget -ts "$dtb" "/guests/$g" package 2>/dev/null); then
		echo "esp: guest $g: no package: a guest is a signed package (package = ...)" >&2
		rc=1
		continue
	fi
	name=$(fdtget -ts "$dir/$pkg/manifest.dtb" /files/acpi path 2>/dev/null) || continue
	acpi=$pkg/$name
	n=$(fdtget -t u "$dir/$pkg/manifest.dtb" /needs cpus)
	if ! out=$(python3 "$ck" --cpus "$n" "$dir/$acpi" 2>&1 >/dev/null); then
		echo "esp: guest $g: its ACPI tables ($acpi) do not describe its $n vCPU(s): $out" >&2
		rc=1
	fi
done
exit $rc
