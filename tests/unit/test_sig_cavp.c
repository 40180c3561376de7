// SPDX-License-Identifier: MIT
/*
 * NIST CAVP ECDSA signature verification vectors (FIPS 186-3 SigVer.rsp,
 * from Debian's python3-cryptography-vectors), section [P-384,SHA-384]: each
 * vector goes through sig_verify_set, the path the stub and the VMM use, as
 * a one-entry signature file over Msg with the key set {Q}, threshold 1. A
 * "P" vector must be accepted and an "F" one refused.
 *
 * The file's path comes from $VIGIL_SIGVER_RSP (tests/unit/unit.mk finds it
 * with dpkg); a missing file is a failure, not a skip.
 */
#define CHECK_SUITE "sig_cavp"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/crypto/sig.h"

#define SECTION "[P-384,SHA-384]"
#define MSG_MAX 1024

struct vector {
	uint8_t msg[MSG_MAX];
	size_t msg_len;
	uint8_t point[SIG_POINT_LEN];
	uint8_t r[SIG_SCALAR_LEN], s[SIG_SCALAR_LEN];
	unsigned have; /* bit per field seen */
	char result[64];
};

enum { F_MSG = 1, F_QX = 2, F_QY = 4, F_R = 8, F_S = 16, F_RESULT = 32, F_ALL = 63 };

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode hex. Without `got`: into exactly `want` bytes, left-padded with
 * zeros (big-endian numbers). With `got`: up to `want` bytes, count in *got.
 */
static int hex_decode(const char *hex, uint8_t *out, size_t want, size_t *got)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > want)
		return -1;
	size_t pad = got ? 0 : want - n / 2;

	memset(out, 0, pad);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[pad + i] = (uint8_t)(hi << 4 | lo);
	}
	if (got)
		*got = n / 2;
	return 0;
}

static int field_parse(struct vector *v, const char *key, const char *val)
{
	if (!strcmp(key, "Msg"))
		return hex_decode(val, v->msg, MSG_MAX, &v->msg_len) ? -1 : (v->have |= F_MSG, 0);
	if (!strcmp(key, "Qx"))
		return hex_decode(val, v->point + 1, SIG_SCALAR_LEN, NULL) ? -1 : (v->have |= F_QX, 0);
	if (!strcmp(key, "Qy"))
		return hex_decode(val, v->point + 1 + SIG_SCALAR_LEN, SIG_SCALAR_LEN, NULL)
			       ? -1 : (v->have |= F_QY, 0);
	if (!strcmp(key, "R"))
		return hex_decode(val, v->r, SIG_SCALAR_LEN, NULL) ? -1 : (v->have |= F_R, 0);
	if (!strcmp(key, "S"))
		return hex_decode(val, v->s, SIG_SCALAR_LEN, NULL) ? -1 : (v->have |= F_S, 0);
	if (!strcmp(key, "Result")) {
		snprintf(v->result, sizeof(v->result), "%s", val);
		v->have |= F_RESULT;
		return 0;
	}
	return -1;
}

static unsigned vectors, accepts, refusals;

/* Run one complete vector through the verifier and report it. */
static void vector_run(struct vector *v)
{
	uint8_t file[SIG_FILE_LEN(1)] = SIG_MAGIC;
	const uint8_t(*points)[SIG_POINT_LEN] = &v->point;
	struct sig_keyset set = { points, 1, 1 };
	bool expect = v->result[0] == 'P';
	char name[96];
	int ret;

	v->point[0] = 0x04;
	file[8] = 1;
	sig_key_id(v->point, file + SIG_HEADER_LEN);
	memcpy(file + SIG_HEADER_LEN + SIG_KEYID_LEN, v->r, SIG_SCALAR_LEN);
	memcpy(file + SIG_HEADER_LEN + SIG_KEYID_LEN + SIG_SCALAR_LEN, v->s, SIG_SCALAR_LEN);
	ret = sig_verify_set(v->msg, v->msg_len, file, sizeof(file), &set, NULL);
	vectors++;
	expect ? accepts++ : refusals++;
	snprintf(name, sizeof(name), "p384_sha384_%02u_%c", vectors, expect ? 'P' : 'F');
	/* Refused means the signature did not verify or Q is no P-384 key. */
	if (!(expect ? ret == 0 : ret == -EPERM || ret == -EINVAL))
		printf("  vector %u: %s, got %d (%s)\n", vectors, v->result, ret, sig_strerror(ret));
	check_result(name, expect ? ret == 0 : ret == -EPERM || ret == -EINVAL);
}

/* Split "Key = value" (CRLF tolerated); returns 0 if the line is one. */
static int line_split(char *line, char **key, char **val)
{
	char *eq = strstr(line, " = ");

	line[strcspn(line, "\r\n")] = 0;
	if (!eq)
		return -1;
	*eq = 0;
	*key = line;
	*val = eq + 3;
	return 0;
}

static int vectors_run(FILE *f)
{
	static char line[4096];
	static struct vector v;
	bool in = false;
	char *key, *val;

	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '[') {
			in = !strncmp(line, SECTION, strlen(SECTION));
			continue;
		}
		if (!in || line_split(line, &key, &val))
			continue;
		if (!strcmp(key, "Msg"))
			memset(&v, 0, sizeof(v));
		if (field_parse(&v, key, val))
			return -1;
		if (v.have == F_ALL) {
			vector_run(&v);
			v.have = 0;
		}
	}
	return 0;
}

int main(void)
{
	const char *path = getenv("VIGIL_SIGVER_RSP");
	FILE *f = path && *path ? fopen(path, "r") : NULL;
	int parsed;

	if (!f) {
		printf("  SigVer.rsp not found (VIGIL_SIGVER_RSP='%s'; package "
		       "python3-cryptography-vectors)\n", path ? path : "");
		check_result("vector_file", 0);
		return check_done();
	}
	parsed = vectors_run(f);
	fclose(f);
	/* The section holds 15 vectors: 3 valid, 12 with a changed field. */
	if (parsed || vectors < 15 || !accepts || !refusals)
		printf("  parsed %d: %u vectors, %u P, %u F\n", parsed, vectors, accepts, refusals);
	check_result("vector_file", !parsed && vectors >= 15 && accepts && refusals);
	return check_done();
}
