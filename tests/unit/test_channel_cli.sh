#!/usr/bin/env bash
# vigilctl's channel side end to end, without a VMM: bundle build, sign,
# pack, inspect and verify (the VMM's verifier) with keys and a config made
# here; patch build against a small stand-in VMM image; and the channel
# client (send and the queries) against tests/unit/fake_channel.py, which
# frames with its own code. One PASS/FAIL line per check.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
vc=${VIGILCTL:-$top/build/tools/vigilctl}
tmp=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 2

status() { "$@" >/dev/null 2>&1; echo $?; }
# expect_exit CODE NAME CMD...: CMD exits with CODE
expect_exit() {
	local code=$1 name=$2
	shift 2
	t_check "$name" test "$(status "$@")" = "$code"
}

# --- keys, a config, a VMM build-id --------------------------------------
for k in p1 p2 op pub stranger; do "$vc" keygen -o $k >/dev/null; done
mkdir inc
"$vc" roles-dtsi --role patch:2:p1.pub,p2.pub --role operator:1:op.pub \
	--role publisher:1:pub.pub -o inc/roles.dtsi
cat >sys.dts <<'DTS'
/dts-v1/;
/include/ "roles.dtsi"
/ {
	compatible = "vigil,system-v1";

	channel { /* the management channel: COM2 */
		uart-port = <0x2f8>;
		irq = <3>;
	};
	guests {
		ticker {
			package = "packages/ticker";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <1>;
			memory = <0x0 0x0  0x0 0x400000>;
			io-allow = <0x80 1>;
		};
	};
};
DTS
"$vc" config build sys.dts -i inc -o sys.dtb
# ticker's package, signed by the one publisher (its image a stand-in:
# only its digests are checked here)
mkdir packages && printf 'ticker' >ticker.elf
"$vc" package build --name ticker --version 1 --security-version 0 --image ticker.elf --memory 4M \
	--cpus 1 --io-allow 0x80:1 -o packages/ticker >/dev/null
"$vc" package sign --key pub.key packages/ticker >/dev/null
bid=00112233445566778899aabbccddeeff01234567

# --- bundles --------------------------------------------------------------
"$vc" bundle build --kind guest-control --guest ticker --action restart --seq 1 \
	--build-id $bid -o ctl.dtb
t_check chcli.bundle_build_payload test -s ctl.dtb
t_check chcli.bundle_payload_is_dtb bash -c "test \"\$(fdtget ctl.dtb / kind)\" = guest-control"
"$vc" bundle sign --key op.key ctl.dtb
"$vc" bundle pack ctl.dtb ctl.dtb.sig -o ctl.bnd
t_check chcli.bundle_pack_layout bash -c \
	"test \"\$(head -c 8 ctl.bnd)\" = VGBNDL01 && test \$(stat -c %s ctl.bnd) = \$((16 + \$(stat -c %s ctl.dtb) + \$(stat -c %s ctl.dtb.sig)))"
t_check chcli.bundle_inspect_names_role bash -c \
	"'$vc' bundle inspect -c sys.dtb ctl.bnd | grep -q 'operator\$'"
verify() { "$vc" bundle verify "$@" --config sys.dtb --build-id $bid; }
expect_exit 0 chcli.verify_accepts verify ctl.bnd
expect_exit 0 chcli.verify_records verify ctl.bnd --seq-file seq --update
t_check chcli.seq_file_written grep -qx 'operator 1' seq
t_check chcli.verify_replay bash -c "'$vc' bundle verify ctl.bnd --config sys.dtb --build-id $bid \
	--seq-file seq | grep -q 'code 40, REPLAY'"
expect_exit 1 chcli.verify_replay_exit verify ctl.bnd --seq-file seq
expect_exit 1 chcli.verify_wrong_build_id \
	"$vc" bundle verify ctl.bnd --config sys.dtb --build-id ${bid%??}00
"$vc" bundle sign --key p1.key ctl.dtb -o ctl.p1.sig
"$vc" bundle pack ctl.dtb ctl.p1.sig -o ctl.p1.bnd
t_check chcli.verify_patch_key_on_control bash -c "'$vc' bundle verify ctl.p1.bnd --config sys.dtb \
	--build-id $bid | grep -q 'code 38'"
"$vc" bundle pack ctl.dtb -o ctl.unsigned.bnd 2>/dev/null
t_check chcli.verify_unsigned bash -c "'$vc' bundle verify ctl.unsigned.bnd --config sys.dtb \
	--build-id $bid | grep -q 'code 32'"
"$vc" bundle build --kind patch-revert --name fix --seq 4 --build-id $bid -o rev.dtb
"$vc" bundle sign --key p1.key rev.dtb
"$vc" bundle pack rev.dtb rev.dtb.sig -o rev1.bnd
t_check chcli.verify_one_of_two bash -c "'$vc' bundle verify rev1.bnd --config sys.dtb \
	--build-id $bid | grep -q 'too few signers: 1 of 2'"
"$vc" bundle sign --append --key p2.key rev.dtb
"$vc" bundle pack rev.dtb rev.dtb.sig -o rev2.bnd
expect_exit 0 chcli.verify_two_of_two_appended verify rev2.bnd
"$vc" bundle build --kind patch-revert --name fix --seq 4 --role operator --build-id $bid -o wr.dtb
"$vc" bundle sign --key op.key wr.dtb
"$vc" bundle pack wr.dtb wr.dtb.sig -o wr.bnd
t_check chcli.verify_wrong_role bash -c "'$vc' bundle verify wr.bnd --config sys.dtb \
	--build-id $bid | grep -q 'code 37'"
cp ctl.bnd trail.bnd && printf x >>trail.bnd
t_check chcli.verify_trailing bash -c "'$vc' bundle verify trail.bnd --config sys.dtb \
	--build-id $bid | grep -q 'code 19'"
"$vc" bundle build --kind policy --guest ticker --io-allow '' --msr-allow '' --seq 2 \
	--build-id $bid -o pol.dtb
t_check chcli.policy_empty_lists bash -c "'$vc' bundle inspect pol.dtb | grep -q 'io-allow *(none)'"
expect_exit 2 chcli.build_refuses_bad_action "$vc" bundle build --kind guest-control --guest ticker \
	--action reboot --seq 1 --build-id $bid -o bad.dtb
t_check chcli.build_refused_not_written test ! -e bad.dtb
expect_exit 2 chcli.build_refuses_seq_zero "$vc" bundle build --kind guest-control --guest ticker \
	--action stop --seq 0 --build-id $bid -o bad.dtb
expect_exit 2 chcli.build_refuses_policy_without_lists "$vc" bundle build --kind policy \
	--guest ticker --seq 1 --build-id $bid -o bad.dtb

# the policy digest, laid out here from docs/channel.md, of ticker's entry
# as its package makes it (its image below the package's directory)
want=$(python3 -c '
import hashlib, struct
b = b"vigil-guest-policy-v2\0" + b"ticker".ljust(32, b"\0") + b"packages/ticker/ticker.elf".ljust(64, b"\0")
b += struct.pack("<II", 1, 1) + struct.pack("<IQQ", 1, 0, 0x400000)
b += struct.pack("<III", 1, 0x80, 1) + struct.pack("<I", 0) + struct.pack("<I", 0)
print(hashlib.sha256(b).hexdigest())')
t_check chcli.package_policy_digest test "$("$vc" package verify --config sys.dtb --guest ticker \
	packages/ticker | sed -n 's/^policy-sha256 //p')" = "$want"
# every guest is a package: the config alone names no digest
t_check chcli.config_digests test "$("$vc" config digests sys.dtb)" = \
	"ticker           - (packaged: vigilctl package verify --config)"

# --- patch build, against a stand-in VMM image ------------------------------
cat >vmm.S <<'ASM'
	.text
	.globl good_fn, short_fn, loop_fn
	.type good_fn, @function
good_fn:
	push %rbp
	mov %rsp, %rbp
	mov counter(%rip), %eax
	pop %rbp
	ret
	.size good_fn, . - good_fn
	.type short_fn, @function
short_fn:
	xor %eax, %eax
	ret
	.size short_fn, . - short_fn
	.type loop_fn, @function
loop_fn:
	xor %eax, %eax
1:	inc %eax		/* byte 2: a branch lands on the bytes a redirect overwrites */
	cmp $10, %eax
	jne 1b
	ret
	.size loop_fn, . - loop_fn
	.data
	.globl counter
counter:
	.long 1
	.section .note.GNU-stack, "", @progbits
ASM
as vmm.S -o vmm.o && ld -static --build-id=sha1 -Ttext=0xffffffff80100000 -e good_fn -o vmm.elf vmm.o
flags="-O2 -ffreestanding -fno-pic -mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables -Wall -Werror"
patch() { # patch NAME SOURCE: build NAME.patch.dtb from SOURCE
	printf '%s\n' "$2" >"$1.c"
	"$vc" patch build "$1.c" --vmm vmm.elf --at 0xffffffffc0001000 --cflags "$flags" -o "$1.patch.dtb"
}
# dtbhex FILE NODE PROP: a byte property as one run of hex digits
dtbhex() { printf '%02x' $(fdtget -t bx "$1" "$2" "$3" | sed 's/[0-9a-f]*/0x&/g'); }
t_check chcli.patch_build_good patch good \
	'extern int counter; static const int k = 41; int vigil_patch__good_fn(void) { return counter + k; }'
from=$(nm vmm.elf | awk '$3 == "good_fn" { print $1 }')
t_check chcli.patch_redirect_from bash -c \
	"fdtget -t x good.patch.dtb /patch redirects | grep -qi '^ffffffff ${from#ffffffff} ffffffff c0001000\$'"
t_check chcli.patch_expect_bytes test "$(dtbhex good.patch.dtb /patch expect)" = 554889e58b
vmm_id=$(readelf -n vmm.elf | awk '/Build ID/ { print $3 }')
t_check chcli.patch_build_id test "$(dtbhex good.patch.dtb / build-id)" = "$vmm_id"
t_check chcli.patch_work_dir_removed bash -c '! ls -d good.patch.dtb.work.* 2>/dev/null | grep -q .'
"$vc" bundle build --kind live-patch --patch good.patch.dtb --seq 5 -o good.dtb
t_check chcli.patch_bundle_takes_build_id bash -c "'$vc' bundle inspect good.dtb | grep -q 'build-id *$vmm_id'"
expect_exit 2 chcli.patch_bundle_other_build_id "$vc" bundle build --kind live-patch \
	--patch good.patch.dtb --seq 5 --build-id $bid -o other.dtb
expect_exit 1 chcli.patch_refuses_short_original patch short 'int vigil_patch__short_fn(void) { return 1; }'
expect_exit 1 chcli.patch_refuses_branch_into_entry patch loop 'int vigil_patch__loop_fn(void) { return 10; }'
expect_exit 1 chcli.patch_refuses_writable_data patch data \
	'static int n; int vigil_patch__good_fn(void) { return ++n; }'
expect_exit 1 chcli.patch_refuses_unresolved patch undef \
	'int nowhere(void); int vigil_patch__good_fn(void) { return nowhere(); }'
expect_exit 1 chcli.patch_refuses_unknown_original patch unknown 'int vigil_patch__absent(void) { return 1; }'
expect_exit 1 chcli.patch_refuses_no_replacement patch none 'int helper(void) { return 1; }'
expect_exit 2 chcli.patch_refuses_address_outside_area "$vc" patch build good.c --vmm vmm.elf \
	--at 0xffffffff80000000 --cflags "$flags" -o x.dtb

# --- the channel client, against a stand-in VMM ---------------------------
mkdir resp
sha=4f0c6d0a6b4f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aab
hexbytes() { echo "$1" | sed 's/../& /g'; }
dtb() { # dtb NAME BODY: compile a response
	printf '/dts-v1/;\n/ { %s };\n' "$2" | dtc -q -I dts -O dtb -o "resp/$1.dtb" -
}
ok='status = <0>; error = <0>; message = "ok";'
dtb 01 "$ok version = \"vigil 0.1\"; build-id = [$(hexbytes $bid)]; vendor = \"amd-svm\";"
dtb 02 "$ok guests { ticker { state = \"running\"; cpus = <1>; memory = <0 0 0 0x400000>;
	image = \"guests/ticker.elf\"; image-sha256 = [$(hexbytes $sha)];
	policy-sha256 = [$(hexbytes $sha)]; uptime-ms = <0 1500>; start-tsc = <1 5>; console-dropped = <0 2>;
	exits { cpuid = <0 3>; io = <0 7>; }; }; };
	cpus { cpu@1 { guest = \"ticker\"; watchdog = \"stuck\"; answer-age-ms = <0 3012>; stuck-count = <1>;
	last-exit = \"hypercall\"; }; };"
dtb 03 "$ok boot { entry@0 { label = \"vmm.elf\"; sha256 = [$(hexbytes $sha)]; pcr = <10>; flags = <1>; }; };"
dtb 04 "$ok audit { entry@0 { sequence = <0 0>; time = <0 99>; request = <2>; status = <0>;
	error = <0>; reason = \"inventory\"; }; };"
dtb 05 "$ok expected-sha256 = [$(hexbytes $sha)]; last-sha256 = [$(hexbytes $sha)]; runs = <0 4>; mismatches = <0 0>;"
dtb 10 'status = <0xfffffff3>; error = <38>; message = "signed by a key of role operator";'
dtb lost 'status = <0xffffff92>; error = <5>; message = "frame incomplete: timed out";'

start_server() { # start_server MODE
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -f ch.sock resp/log resp/req-*.bin
	python3 "$top/tests/unit/fake_channel.py" ch.sock resp "$1" &
	server=$!
	for _ in $(seq 50); do [ -S ch.sock ] && return; sleep 0.1; done
}
q() { "$vc" "$@" --socket ch.sock --timeout 5; }

start_server normal
t_check chcli.version_build_id bash -c "'$vc' version --socket ch.sock | grep -q 'build-id: $bid'"
t_check chcli.inventory_table bash -c \
	"'$vc' inventory --socket ch.sock | grep -qE '^ticker +running +1 +4 +1.5 +10 +2 +$sha +$sha\$'"
t_check chcli.inventory_cpu_table bash -c \
	"'$vc' inventory --socket ch.sock | grep -qE '^1 +ticker +stuck +3012 +1 hypercall *\$'"
t_check chcli.inventory_json python3 -c "
import json, subprocess
j = json.loads(subprocess.run(['$vc', 'inventory', '--json', '--socket', 'ch.sock'],
	capture_output=True, check=True).stdout)
g = j['guests']['ticker']
assert j['status'] == 0 and g['image-sha256'] == '$sha' and g['cpus'] == 1
assert g['memory'] == [0, 4194304] and g['exits']['io'] == 7 and g['uptime-ms'] == 1500
assert g['console-dropped'] == 2 and g['start-tsc'] == (1 << 32) + 5"
for c in measurements audit selfcheck; do
	expect_exit 0 chcli.query_$c q $c
done
expect_exit 1 chcli.send_refused_exit q send ctl.bnd
t_check chcli.send_bytes_arrive_intact cmp -s "resp/req-$(grep -c . resp/log).bin" ctl.bnd
t_check chcli.send_prints_reason bash -c "'$vc' send ctl.bnd --socket ch.sock | grep -qF 'error: 38 (KEY_ROLE)'"
dtb 10 "$ok kind = \"guest-control\";"
expect_exit 0 chcli.send_accepted_exit q send ctl.bnd
t_check chcli.frames_all_well_formed bash -c '! grep -q BAD resp/log'

# Names and strings of a response are printed escaped, in text and JSON:
# no line of vigilctl's output starts with forged text, no ESC byte.
dtb 04 "$ok audit { entry@0 { request = <16>; reason = \"\\nvigil: forged reason\\x1b[2J\"; }; };"
fdtput -t s resp/04.dtb /audit/entry@0 $'x\nvigil: forged name\x1b[2J' v
q audit >audit.txt
t_check chcli.reply_text_escaped bash -c "grep -qF 'reason: \\x0avigil: forged reason\\x1b[2J' audit.txt &&
	grep -qF 'x\\x0avigil: forged name\\x1b[2J: v' audit.txt"
t_check chcli.reply_text_no_forged_line bash -c "! grep -q '^vigil: forged' audit.txt && ! grep -q \$'\\x1b' audit.txt"
q audit --json >audit.json
t_check chcli.reply_json_escaped python3 -c "
import json
raw = open('audit.json', 'rb').read()
assert b'\\x1b' not in raw and b'\\nvigil' not in raw
e = json.loads(raw)['audit']['entry@0']
assert e['reason'] == '\\nvigil: forged reason\\x1b[2J'
assert e['x\\nvigil: forged name\\x1b[2J'] == 'v'"

start_server noisy
expect_exit 0 chcli.skips_garbage_and_stale_answers q version
start_server lose-first
expect_exit 0 chcli.query_resent_once_after_a_lost_frame q version
t_check chcli.query_sent_twice test "$(grep -c '^01 ' resp/log)" = 2
start_server lose-first
expect_exit 2 chcli.bundle_never_resent "$vc" send ctl.bnd --socket ch.sock --timeout 2
t_check chcli.bundle_sent_once test "$(grep -c '^10 ' resp/log)" = 1
start_server silent
expect_exit 2 chcli.timeout_exit "$vc" version --socket ch.sock --timeout 1
kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
server=
expect_exit 2 chcli.no_server_exit "$vc" version --socket ch.sock --timeout 1
# Every command vigilctl lists answers --help with its usage, and every
# group of commands (bundle, config, patch, ...) answers --help with its
# commands, each of them named.
cmds=$("$vc" --help | sed -n 's/^  \([a-z-]*\( [a-z-]*\)\?\)  .*/\1/p' | sed 's/ *$//')
t_check chcli.help_lists_commands test "$(echo "$cmds" | wc -l)" -ge 20
while read -r c; do
	expect_exit 0 "chcli.help_${c// /_}" "$vc" $c --help
	t_check "chcli.help_${c// /_}_usage" bash -c "'$vc' $c --help | grep -q '^usage: vigilctl $c'"
done <<<"$cmds"
for g in $(echo "$cmds" | awk 'NF == 2 { print $1 }' | sort -u); do
	expect_exit 0 "chcli.group_help_$g" "$vc" $g --help
	expect_exit 2 "chcli.group_bare_$g" "$vc" $g
	for c in $(echo "$cmds" | awk -v g="$g" '$1 == g { print $2 }'); do
		t_check "chcli.group_help_${g}_lists_$c" bash -c "'$vc' $g --help | grep -q '^  $g $c '"
	done
done
expect_exit 2 chcli.unknown_group_help "$vc" nosuchgroup --help

[ "$t_failed" -eq 0 ]
