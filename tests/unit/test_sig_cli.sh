#!/usr/bin/env bash
# vigilctl end to end: keygen output readable by openssl, sign/verify exit
# codes, --append by a second signer, signatures interoperable with openssl
# in both directions, and the generated key material (trust-c, roles-dtsi,
# config build) accepted by the compilers that consume it.
# Prints one PASS/FAIL line per check (tests/unit/run.sh counts them).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
vc=${VIGILCTL:-$top/build/tools/vigilctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2

# status CMD...: print the exit status of CMD (quietly).
status() { "$@" >/dev/null 2>&1; echo $?; }
# quiet CMD...: run CMD without its output
quiet() { "$@" >/dev/null 2>&1; }
# same FILE1 FILE2: byte-identical
same() { cmp -s "$1" "$2"; }

# --- keys
"$vc" keygen -o a && "$vc" keygen -o b && "$vc" keygen -o c && "$vc" keygen -o d
t_check cli.keygen_private_openssl_readable openssl pkey -in a.key -noout
t_check cli.keygen_public_openssl_readable openssl pkey -pubin -in a.pub -noout
t_check cli.keygen_is_p384 bash -c "openssl pkey -in a.key -noout -text | grep -q 'secp384r1\|P-384'"
t_check cli.keygen_sec1_pem grep -q '^-----BEGIN EC PRIVATE KEY-----$' a.key
t_check cli.keygen_key_mode_0600 test "$(stat -c %a a.key)" = 600
openssl pkey -in a.key -pubout -outform DER -out a.derived 2>/dev/null
openssl pkey -pubin -in a.pub -outform DER -out a.der 2>/dev/null
t_check cli.keygen_pub_matches_key same a.derived a.der
cp a.key a.key.orig
t_check cli.keygen_refuses_overwrite test "$(status "$vc" keygen -o a)" = 2
t_check cli.keygen_left_key_alone same a.key a.key.orig
id=$(tail -c 97 a.der | sha256sum | cut -d' ' -f1)
t_check cli.key_id_is_sha256_of_point test "$("$vc" key-id a.pub | cut -d' ' -f1)" = "$id"

# --- sign / verify
head -c 4096 /dev/urandom >payload
t_check cli.sign "$vc" sign --key a.key payload
t_check cli.sig_file_size test "$(stat -c %s payload.sig)" = $((16 + 128))
t_check cli.verify_accepts test "$(status "$vc" verify --pub a.pub payload)" = 0
t_check cli.verify_wrong_key_refused test "$(status "$vc" verify --pub b.pub payload)" = 1
cp payload tampered && printf 'x' >>tampered
t_check cli.verify_tampered_refused test "$(status "$vc" verify --pub a.pub tampered payload.sig)" = 1
t_check cli.verify_missing_file_error test "$(status "$vc" verify --pub a.pub nothing)" = 2
t_check cli.verify_usage_error test "$(status "$vc" verify payload)" = 2
t_check cli.verify_threshold_above_keys test "$(status "$vc" verify --pub a.pub --threshold 2 payload)" = 2
head -c 100 payload.sig >short.sig
t_check cli.verify_malformed_refused test "$(status "$vc" verify --pub a.pub payload short.sig)" = 1

# --- two of three, signed on "separate machines" with --append
three=(--pub a.pub --pub b.pub --pub c.pub)
"$vc" sign --key a.key payload -o m.sig
t_check cli.one_of_three_refused test "$(status "$vc" verify "${three[@]}" --threshold 2 payload m.sig)" = 1
t_check cli.append_second_signer "$vc" sign --append --key c.key payload -o m.sig
t_check cli.two_of_three_accepted test "$(status "$vc" verify "${three[@]}" --threshold 2 payload m.sig)" = 0
t_check cli.two_of_three_not_three test "$(status "$vc" verify "${three[@]}" payload m.sig)" = 1
cp m.sig m.sig.orig
t_check cli.append_refuses_same_key test "$(status "$vc" sign --append --key a.key payload -o m.sig)" = 2
t_check cli.append_left_file_alone same m.sig m.sig.orig
t_check cli.sign_refuses_key_twice test "$(status "$vc" sign --key b.key --key b.key payload -o x.sig)" = 2
t_check cli.verify_outsider_refused test "$(status "$vc" verify --pub d.pub payload m.sig)" = 1

# --- openssl interop: vigilctl's (r, s) as DER for openssl, and back
python3 - payload.sig entry.der <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
body = der_int(data[48:96]) + der_int(data[96:144])
open(sys.argv[2], "wb").write(b"\x30" + bytes([len(body)]) + body)
PY
t_check cli.openssl_verifies_vigilctl quiet openssl dgst -sha384 -verify a.pub -signature entry.der payload
openssl dgst -sha384 -sign b.key -out ossl.der payload
python3 - ossl.der ossl.sig "$("$vc" key-id b.pub | cut -d' ' -f1)" <<'PY'
import sys, struct
der = open(sys.argv[1], "rb").read()
assert der[0] == 0x30 and der[1] < 0x80
i, ints = 2, []
while i < len(der):
    assert der[i] == 0x02
    n = der[i + 1]
    ints.append(int.from_bytes(der[i + 2:i + 2 + n], "big"))
    i += 2 + n
r, s = ints
out = b"VGSIG001" + struct.pack("<II", 1, 0) + bytes.fromhex(sys.argv[3])
out += r.to_bytes(48, "big") + s.to_bytes(48, "big")
open(sys.argv[2], "wb").write(out)
PY
t_check cli.vigilctl_verifies_openssl test "$(status "$vc" verify --pub b.pub payload ossl.sig)" = 0

# --- generated key material
"$vc" trust-c --threshold 2 a.pub b.pub c.pub -o keys.c
t_check cli.trust_c_compiles gcc -std=gnu11 -Wall -Wextra -Werror -I"$top" -c keys.c -o keys.o
t_check cli.trust_c_defines_set bash -c "nm keys.o | grep -Eq ' [DR] platform_keyset$'"
t_check cli.trust_c_threshold_checked test "$(status "$vc" trust-c --threshold 4 a.pub b.pub c.pub)" = 2
t_check cli.trust_c_refuses_duplicate test "$(status "$vc" trust-c --threshold 1 a.pub a.pub)" = 2
mkdir inc
t_check cli.roles_dtsi "$vc" roles-dtsi --role patch:1:a.pub --role operator:2:b.pub,c.pub \
	--role publisher:1:d.pub -o inc/roles.dtsi
t_check cli.roles_refuse_shared_key test "$(status "$vc" roles-dtsi --role patch:1:a.pub \
	--role operator:1:a.pub)" = 2
t_check cli.roles_refuse_platform_key test "$(status "$vc" roles-dtsi --role patch:1:a.pub \
	--role operator:1:b.pub --platform c.pub --platform b.pub)" = 2
t_check cli.roles_refuse_platform test "$(status "$vc" roles-dtsi --role platform:1:a.pub)" = 2
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
		hello {
			package = "packages/hello";
			publishers = <0>;
			publisher-threshold = <1>;
			cpus = <1>;
			memory = <0x0 0x0  0x0 0x400000>;
			io-allow = <0x80 1>;
		};
	};
};
DTS
t_check cli.config_build "$vc" config build sys.dts -i inc -o sys.dtb
t_check cli.config_roles_keys_in_dtb bash -c \
	"test \"\$(fdtget -t bx sys.dtb /roles/operator keys | wc -w)\" = 194"
sed 's/cpus = <1>/cpus = <0>/' sys.dts >bad.dts
t_check cli.config_invalid_refused test "$(status "$vc" config build bad.dts -i inc -o bad.dtb)" = 1
t_check cli.config_invalid_not_written test ! -e bad.dtb
# The withdrawn form of a guest, naming its files: refused, saying why.
sed 's|package = "packages/hello";|image = "guests/hello.elf";|' sys.dts >old.dts
t_check cli.config_image_refused test "$(status "$vc" config build old.dts -i inc -o old.dtb)" = 1
t_check cli.config_image_says_why bash -c "'$vc' config build old.dts -i inc -o old.dtb 2>&1 | grep -qF \
	\"config: /guests/hello: 'image' is no longer accepted: a guest is a signed package (package = ...)\""
t_check cli.config_image_not_written test ! -e old.dtb

# Separation of duties and key validity, checked on the config itself (a
# hand-merged roles node gets past roles-dtsi's own refusal).
mkdir shared offcurve
"$vc" roles-dtsi --role patch:1:a.pub --role operator:1:b.pub -o shared/two.dtsi
"$vc" roles-dtsi --role publisher:1:a.pub -o shared/one.dtsi
sed 's|/include/ "roles.dtsi"|/include/ "two.dtsi"\n/include/ "one.dtsi"|' sys.dts >shared.dts
t_check cli.config_refuses_key_in_two_roles \
	test "$(status "$vc" config build shared.dts -i shared -o shared.dtb)" = 1
# The last line of a generated key is its 97th byte, the low byte of Y.
python3 - inc/roles.dtsi offcurve/roles.dtsi <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"\n\t\t\t\t([0-9a-f]{2})\n", text)
flipped = "%02x" % (int(m.group(1), 16) ^ 1)
open(sys.argv[2], "w").write(text[:m.start(1)] + flipped + text[m.end(1):])
PY
t_check cli.config_refuses_point_off_curve \
	test "$(status "$vc" config build sys.dts -i offcurve -o off.dtb)" = 1

[ "$t_failed" -eq 0 ]
