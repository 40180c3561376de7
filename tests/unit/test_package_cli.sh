#!/usr/bin/env bash
# vigilctl's guest packages end to end (docs/formats.md, "Guest packages"):
# package build, sign (two publishers on "two machines"), inspect and
# verify, and every way a package must be refused: unsigned, signed by a
# stranger, below the threshold, a changed byte in the image, the
# initramfs or the manifest, a missing file, and the type confusions (a
# bundle payload as a manifest, a manifest packed as a bundle). One
# PASS/FAIL line per check.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
vc=${VIGILCTL:-$top/build/tools/vigilctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2

status() { "$@" >/dev/null 2>&1; echo $?; }
expect_exit() {
	local code=$1 name=$2
	shift 2
	t_check "$name" test "$(status "$@")" = "$code"
}
# flip OFFSET FILE: one bit of one byte
flip() {
	printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j "$1" -N1 "$2") ^ 1 )))" |
		dd of="$2" bs=1 seek="$1" conv=notrunc status=none
}

for k in alice bob stranger; do "$vc" keygen -o $k >/dev/null; done
head -c 70000 /dev/urandom >vmlinux
head -c 3000 /dev/urandom >initrd.cpio.gz
build() {
	"$vc" package build --name linux --version 3 --security-version 2 --image vmlinux \
		--initrd initrd.cpio.gz --cmdline "console=ttyS0 panic=-1" --memory 256M --cpus 2 \
		--io-allow 0x80:1 --msr-allow 0x174 --devices network --console-input \
		--requires smt-isolated "$@"
}
expect_exit 0 pkgcli.build build -o pkg
t_check pkgcli.files_copied cmp vmlinux pkg/vmlinux
t_check pkgcli.initrd_copied cmp initrd.cpio.gz pkg/initrd.cpio.gz
t_check pkgcli.manifest_written test -s pkg/manifest.dtb
t_check pkgcli.manifest_is_a_device_tree bash -c "dtc -I dtb -O dts pkg/manifest.dtb 2>/dev/null |
	grep -q 'compatible = \"vigil,guest-package-v1\"'"
inspect=$("$vc" package inspect pkg)
t_check pkgcli.inspect_name grep -qx 'package linux' <<<"$inspect"
t_check pkgcli.inspect_versions bash -c "grep -qx 'version 3' && true" <<<"$inspect"
t_check pkgcli.inspect_secver grep -qx 'security-version 2' <<<"$inspect"
t_check pkgcli.inspect_image_digest grep -q "^file image vmlinux 70000 bytes sha256 $(sha256sum vmlinux | cut -c1-64)\$" \
	<<<"$inspect"
t_check pkgcli.inspect_needs grep -qx 'needs memory 268435456 bytes, 2 vCPUs, ports 0x80+1, MSRs 0x174, devices network, console input' \
	<<<"$inspect"
t_check pkgcli.inspect_requires grep -qx 'requires smt-isolated' <<<"$inspect"
t_check pkgcli.inspect_unsigned grep -qx 'signatures none' <<<"$inspect"

# Unsigned, then one publisher, then both (the second on "another machine").
expect_exit 1 pkgcli.unsigned_refused "$vc" package verify --pub alice.pub pkg
t_check pkgcli.unsigned_says_so bash -c "'$vc' package verify --pub alice.pub pkg | grep -q 'no signature'"
expect_exit 0 pkgcli.sign "$vc" package sign --key alice.key pkg
expect_exit 0 pkgcli.one_of_one "$vc" package verify --pub alice.pub pkg
expect_exit 1 pkgcli.one_of_two_refused "$vc" package verify --pub alice.pub --pub bob.pub pkg
t_check pkgcli.too_few_says_so bash -c "'$vc' package verify --pub alice.pub --pub bob.pub pkg | grep -q 'too few signers: 1 of 2'"
expect_exit 0 pkgcli.threshold_one_of_two "$vc" package verify --pub alice.pub --pub bob.pub --threshold 1 pkg
expect_exit 0 pkgcli.second_signer_appends "$vc" package sign --key bob.key --append pkg
expect_exit 0 pkgcli.two_of_two "$vc" package verify --pub alice.pub --pub bob.pub pkg
t_check pkgcli.inspect_two_signers test "$("$vc" package inspect pkg | grep -c '^signed-by ')" = 2
expect_exit 1 pkgcli.stranger_refused "$vc" package verify --pub stranger.pub pkg
t_check pkgcli.stranger_says_so bash -c "'$vc' package verify --pub stranger.pub pkg | grep -q 'not its publishers'"

# Tampering: one bit anywhere in the image, the initramfs, the manifest.
for f in vmlinux initrd.cpio.gz manifest.dtb; do
	cp -r pkg t && flip 100 t/$f
	expect_exit 1 "pkgcli.tampered_${f%%.*}_refused" "$vc" package verify --pub alice.pub t
	rm -rf t
done
cp -r pkg t && rm t/initrd.cpio.gz
expect_exit 1 pkgcli.missing_file_refused "$vc" package verify --pub alice.pub t
rm -rf t
cp -r pkg t && head -c 100 /dev/urandom >>t/vmlinux
expect_exit 1 pkgcli.grown_file_refused "$vc" package verify --pub alice.pub t
rm -rf t
# A file the signed manifest does not name changes nothing.
cp -r pkg t && echo extra >t/README
expect_exit 0 pkgcli.extra_file_ignored "$vc" package verify --pub alice.pub t
rm -rf t

# What the VMM's decoder refuses, build refuses and writes nothing.
expect_exit 1 pkgcli.never_grantable_msr build --msr-allow 0xc0000080 -o bad1
t_check pkgcli.nothing_written test ! -e bad1/manifest.dtb
expect_exit 1 pkgcli.never_grantable_port build --io-allow 0xcf8:8 -o bad2
expect_exit 1 pkgcli.unknown_requirement build --requires tpm2 -o bad3
expect_exit 1 pkgcli.unknown_device_class build --devices gpu -o bad4
expect_exit 1 pkgcli.five_cpus build --cpus 5 -o bad5 --cpus 5
expect_exit 2 pkgcli.no_image "$vc" package build --name x --version 1 --security-version 0 --memory 1M --cpus 1 -o bad6

# Type confusion: a bundle payload is no manifest, a manifest no bundle.
bid=00112233445566778899aabbccddeeff01234567
"$vc" bundle build --kind guest-control --guest linux --action restart --seq 1 --build-id $bid -o ctl.dtb >/dev/null
cp -r pkg t && cp ctl.dtb t/manifest.dtb && "$vc" package sign --key alice.key t >/dev/null
expect_exit 1 pkgcli.bundle_payload_as_manifest "$vc" package verify --pub alice.pub t
t_check pkgcli.bundle_payload_named bash -c "'$vc' package verify --pub alice.pub t | grep -q 'this is a bundle payload'"
rm -rf t
expect_exit 2 pkgcli.pack_refuses_a_manifest "$vc" bundle pack pkg/manifest.dtb pkg/manifest.dtb.sig -o pkg.bnd
# The container by hand (docs/channel.md): magic, two lengths, the parts.
le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24)))"; }
{ printf VGBNDL01; le32 "$(stat -c %s pkg/manifest.dtb)"; le32 "$(stat -c %s pkg/manifest.dtb.sig)"
  cat pkg/manifest.dtb pkg/manifest.dtb.sig; } >pkg.bnd
t_check pkgcli.hand_packed_size test "$(stat -c %s pkg.bnd)" = \
	"$((16 + $(stat -c %s pkg/manifest.dtb) + $(stat -c %s pkg/manifest.dtb.sig)))"
expect_exit 1 pkgcli.manifest_as_bundle "$vc" bundle inspect pkg.bnd
t_check pkgcli.manifest_as_bundle_malformed bash -c "'$vc' bundle inspect pkg.bnd 2>&1 | grep -q 'malformed payload'"

# With a config: the guest's publishers, threshold, floor and grant (the
# VMM's admission). alice publishes guest web; bob is a publisher too, of
# no guest here.
"$vc" keygen -o patch >/dev/null && "$vc" keygen -o oper >/dev/null
mkdir -p inc
"$vc" roles-dtsi --role patch:1:patch.pub --role operator:1:oper.pub --role publisher:1:alice.pub,bob.pub \
	-o inc/roles.dtsi
sysdts() { # sysdts FLOOR CPUS MSRS
	cat <<DTS
/dts-v1/;
/ {
	compatible = "vigil,system-v1";
	channel { uart-port = <0x2f8>; irq = <3>; };
	guests {
		web {
			package = "packages/web";
			publishers = <0>; /* alice: the first key of roles/publisher */
			publisher-threshold = <1>;
			min-security-version = <0x0 $1>;
			cpus = <$2>;
			memory = <0x0 0x0 0x0 0x10000000 0x1 0x0 0x0 0x10000000>;
			io-allow = <0x80 1>;
			msr-allow = <$3>;
			console-input;
		};
	};
};
/include/ "roles.dtsi"
DTS
}
sysdts 2 "3 4" "0x174" >sys.dts && "$vc" config build sys.dts -o sys.dtb -i inc >/dev/null
t_check pkgcli.config_with_package_builds test -s sys.dtb
# pkg needs a network device, which no config can grant yet (device
# assignment is not built): refused, naming it. web is pkg without it.
t_check pkgcli.device_not_granted bash -c "'$vc' package verify --config sys.dtb --guest web pkg |
	grep -q 'needs a network device; guest web is granted none'"
"$vc" package build --name linux --version 3 --security-version 2 --image vmlinux --initrd initrd.cpio.gz \
	--memory 256M --cpus 2 --io-allow 0x80:1 --msr-allow 0x174 --console-input --requires smt-isolated \
	-o web >/dev/null && "$vc" package sign --key alice.key web >/dev/null
expect_exit 0 pkgcli.config_accepts "$vc" package verify --config sys.dtb --guest web web
digest=$("$vc" package verify --config sys.dtb --guest web web | sed -n 's/.*effective policy \([0-9a-f]*\)$/\1/p')
t_check pkgcli.config_digest_printed test ${#digest} = 64
# Another host granting the same needs on other CPUs and more MSRs: the same digest.
sysdts 2 "7 9 11" "0x174 0x175" >sys2.dts && "$vc" config build sys2.dts -o sys2.dtb -i inc >/dev/null
t_check pkgcli.same_digest_on_another_host test "$("$vc" package verify --config sys2.dtb --guest web web |
	sed -n 's/.*effective policy \([0-9a-f]*\)$/\1/p')" = "$digest"
# A host granting less: refused, naming both.
sysdts 2 "3" "0x174" >sys3.dts && "$vc" config build sys3.dts -o sys3.dtb -i inc >/dev/null
expect_exit 1 pkgcli.fewer_cpus_refused "$vc" package verify --config sys3.dtb --guest web web
t_check pkgcli.fewer_cpus_says_both bash -c "'$vc' package verify --config sys3.dtb --guest web web |
	grep -q 'package linux needs 2 vCPUs; guest web is granted 1 CPU'"
sysdts 2 "3 4" "0x175" >sys4.dts && "$vc" config build sys4.dts -o sys4.dtb -i inc >/dev/null
expect_exit 1 pkgcli.msr_not_granted_refused "$vc" package verify --config sys4.dtb --guest web web
# Above the package's security version: refused.
sysdts 3 "3 4" "0x174" >sys5.dts && "$vc" config build sys5.dts -o sys5.dtb -i inc >/dev/null
t_check pkgcli.floor_refused bash -c "'$vc' package verify --config sys5.dtb --guest web web |
	grep -q 'security version 2 is below guest web.s minimum 3'"
# bob is a publisher, but not this guest's: his signature alone is refused.
cp -r web bobs && "$vc" package sign --key bob.key bobs >/dev/null
expect_exit 1 pkgcli.other_publisher_refused "$vc" package verify --config sys.dtb --guest web bobs
rm -rf bobs

for c in "package build" "package sign" "package inspect" "package verify"; do
	t_check "pkgcli.help_${c#package }" bash -c "'$vc' $c --help | grep -q '^usage: vigilctl $c'"
done

[ "$t_failed" -eq 0 ]
