// SPDX-License-Identifier: MIT
/*
 * vigilctl send / version / inventory / measurements / audit / selfcheck / crash:
 * the channel commands (docs/channel.md). Each sends one request and
 * prints the response; the exit status follows the response's status.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"

#define VC_TIMEOUT_DEFAULT 30

struct vc_query_args {
	const char *socket;
	unsigned timeout;
	bool json;
	const char *file; /* send: the bundle */
};

static int vc_query_opts(int argc, char **argv, struct vc_query_args *a, bool takes_file)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	int c;

	a->socket = getenv("VIGIL_CHANNEL") ? getenv("VIGIL_CHANNEL") : VC_SOCKET_DEFAULT;
	a->timeout = VC_TIMEOUT_DEFAULT;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			a->socket = optarg;
		else if (c == 'j')
			a->json = true;
		else if (c != 't' || vc_uint_parse(optarg, &a->timeout) || !a->timeout)
			return -EINVAL;
	}
	if (argc - optind != (takes_file ? 1 : 0))
		return -EINVAL;
	a->file = takes_file ? argv[optind] : NULL;
	return 0;
}

/* The exit status for a response status. */
static int vc_exit_of(int status)
{
	if (status == -EBADMSG)
		return VC_ERROR;
	return status ? VC_REFUSED : VC_OK;
}

static int vc_query(int argc, char **argv, uint8_t type)
{
	struct vc_query_args a = { 0 };
	struct vc_reply r;
	int status;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (vc_query_opts(argc, argv, &a, false))
		return vc_usage(false);
	if (vc_chan_request(a.socket, type, NULL, 0, a.timeout, &r))
		return VC_ERROR;
	if (type == CHANNEL_REQ_INVENTORY && !a.json && r.type != CHANNEL_TYPE_ERROR)
		status = vc_resp_inventory_table(r.payload, r.len);
	else
		status = vc_resp_print(r.payload, r.len, a.json);
	free(r.payload);
	return vc_exit_of(status);
}

int vc_cmd_version(int argc, char **argv)
{
	return vc_query(argc, argv, CHANNEL_REQ_VERSION);
}

int vc_cmd_inventory(int argc, char **argv)
{
	return vc_query(argc, argv, CHANNEL_REQ_INVENTORY);
}

int vc_cmd_measurements(int argc, char **argv)
{
	return vc_query(argc, argv, CHANNEL_REQ_MEASUREMENTS);
}

int vc_cmd_audit(int argc, char **argv)
{
	return vc_query(argc, argv, CHANNEL_REQ_AUDIT);
}

int vc_cmd_selfcheck(int argc, char **argv)
{
	return vc_query(argc, argv, CHANNEL_REQ_SELFCHECK);
}

int vc_cmd_crash(int argc, char **argv)
{
	return vc_query(argc, argv, CHANNEL_REQ_CRASH);
}

/* Sent as it is: the VMM is the judge (use `bundle verify` to check first). */
int vc_cmd_send(int argc, char **argv)
{
	struct vc_query_args a = { 0 };
	struct vc_reply r;
	uint8_t *buf;
	size_t len;
	int status, ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (vc_query_opts(argc, argv, &a, true))
		return vc_usage(false);
	if (vc_file_read(a.file, &buf, &len))
		return VC_ERROR;
	if (len > CHANNEL_MAX_PAYLOAD) {
		vc_err("%s: %zu bytes; a bundle is at most %u", a.file, len, CHANNEL_MAX_PAYLOAD);
		free(buf);
		return VC_ERROR;
	}
	ret = vc_chan_request(a.socket, CHANNEL_REQ_BUNDLE, buf, len, a.timeout, &r);
	free(buf);
	if (ret)
		return VC_ERROR;
	status = vc_resp_print(r.payload, r.len, a.json);
	free(r.payload);
	return vc_exit_of(status);
}
