// SPDX-License-Identifier: MIT
/*
 * docs/channel.md against the lists in include/vigil/channel.h: the table
 * of request types ("### Types") and the table of refusal codes
 * ("## Refusal codes") must hold exactly the list's entries, with the
 * same names and numbers, so the documentation cannot drift from the code.
 * Run from the top of the tree (as `make test-unit` does).
 */
#define CHECK_SUITE "channel_docs"
#include "tests/unit/check.h"

#include <stdlib.h>
#include "vigil/channel.h"

#define DOC "docs/channel.md"
#define MAXROWS 64

struct row {
	char cells[4][48];
};

static struct row rows[MAXROWS];
static unsigned nrows;

/* The rows of the first table after the heading `heading`, header and
 * separator skipped. */
static int table_read(const char *heading)
{
	char line[512];
	int in = 0, seen_table = 0;
	FILE *f = fopen(DOC, "r");

	nrows = 0;
	if (!f) {
		printf("    cannot open %s (run from the top of the tree)\n", DOC);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!in) {
			in = !strncmp(line, heading, strlen(heading)) && line[strlen(heading)] == '\n';
			continue;
		}
		if (line[0] != '|') {
			if (seen_table)
				break;
			continue;
		}
		if (seen_table++ < 2)
			continue; /* header and |---| */
		if (nrows == MAXROWS)
			break;
		char *p = line + 1;
		for (int c = 0; c < 4; c++) {
			char *end = strchr(p, '|');
			size_t n;

			if (!end)
				break;
			while (*p == ' ')
				p++;
			n = (size_t)(end - p);
			while (n && p[n - 1] == ' ')
				n--;
			snprintf(rows[nrows].cells[c], sizeof(rows[nrows].cells[c]), "%.*s", (int)n, p);
			p = end + 1;
		}
		nrows++;
	}
	fclose(f);
	return in ? 0 : -1;
}

/* Is (name, value) a row (name in column name_col, value in value_col)? */
static int row_has(const char *name, unsigned value, int name_col, int value_col)
{
	for (unsigned i = 0; i < nrows; i++)
		if (!strcmp(rows[i].cells[name_col], name) && strtoul(rows[i].cells[value_col], NULL, 0) == value)
			return 1;
	return 0;
}

static void request_types_documented(void)
{
	unsigned listed = 0;

	if (!CHECK(table_read("### Types") == 0))
		return;
#define DOC_QUERY(NAME, type, name)                                              \
	listed++;                                                                \
	if (!CHECK(row_has(#NAME, type, 0, 1) && row_has(#NAME, type | 0x80, 0, 3))) \
		printf("    request %s (0x%02x) is not in the table as listed\n", #NAME, type);
	CHANNEL_QUERIES(DOC_QUERY)
#undef DOC_QUERY
	listed += 8;
	CHECK(row_has("EVENTS", CHANNEL_REQ_EVENTS, 0, 1) && row_has("EVENTS", CHANNEL_REQ_EVENTS | 0x80, 0, 3));
	CHECK(row_has("QUOTE", CHANNEL_REQ_QUOTE, 0, 1) && row_has("QUOTE", CHANNEL_REQ_QUOTE | 0x80, 0, 3));
	CHECK(row_has("FWLOG", CHANNEL_REQ_FWLOG, 0, 1) && row_has("FWLOG", CHANNEL_REQ_FWLOG | 0x80, 0, 3));
	CHECK(row_has("BUNDLE", CHANNEL_REQ_BUNDLE, 0, 1));
	CHECK(row_has("PKG_BEGIN", CHANNEL_REQ_PKG_BEGIN, 0, 1));
	CHECK(row_has("PKG_CHUNK", CHANNEL_REQ_PKG_CHUNK, 0, 1));
	CHECK(row_has("PKG_COMMIT", CHANNEL_REQ_PKG_COMMIT, 0, 1));
	CHECK(row_has("PKG_ABORT", CHANNEL_REQ_PKG_ABORT, 0, 1));
	if (!CHECK_EQ_INT(nrows, listed))
		printf("    the table has %u rows, the list %u requests\n", nrows, listed);
}

static void refusal_codes_documented(void)
{
	unsigned listed = 1;

	if (!CHECK(table_read("## Refusal codes") == 0))
		return;
	CHECK(row_has("OK", CHANNEL_OK, 1, 0));
#define DOC_REFUSAL(NAME, code, meaning)                                       \
	listed++;                                                              \
	if (!CHECK(row_has(#NAME, code, 1, 0)))                                \
		printf("    refusal %s (%d) is not in the table as listed\n", #NAME, code);
	CHANNEL_REFUSALS(DOC_REFUSAL)
#undef DOC_REFUSAL
	if (!CHECK_EQ_INT(nrows, listed))
		printf("    the table has %u rows, the list %u codes\n", nrows, listed);
}

int main(void)
{
	CHECK_RUN(request_types_documented);
	CHECK_RUN(refusal_codes_documented);
	return check_done();
}
