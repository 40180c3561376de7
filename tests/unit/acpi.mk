# The Linux guest's ACPI tables (tools/linux/mkacpi.sh): built for several
# vCPU counts and checked by tools/linux/check-acpi.py, which is itself shown
# to refuse broken tables (docs/linux-guest.md).
UNIT_SCRIPTS += tests/unit/test_acpi.sh
