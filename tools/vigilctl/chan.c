// SPDX-License-Identifier: MIT
/*
 * vigilctl's channel client: one request, one response, over the unix
 * socket that QEMU connects to the VMM's COM2 (docs/channel.md). Framing
 * is the VMM's own code (vmm/channel_frame.c). The socket carries raw
 * UART bytes: stale bytes from an earlier, abandoned exchange may arrive
 * first, so responses are matched by id and anything else is skipped.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"
#include "vmm/channel_frame.h"

static int vc_chan_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		vc_err("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		vc_err("%s: cannot connect: %s (is the VMM running, with `make run`?)", path,
		       strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	return fd;
}

static int vc_chan_write(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			vc_err("send: %s", strerror(errno));
			return -EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static long vc_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read until the response to `id` arrives (or, unless only_ours, an error
 * frame of type 0xFF, which may be about our request). Returns 1 with the
 * reply, or a negative errno.
 */
static int vc_chan_await(int fd, struct frame_rx *rx, uint8_t type, uint16_t id, long deadline,
			 bool only_ours, struct vc_reply *reply)
{
	uint8_t chunk[4096];

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long left = deadline - vc_ms_now();
		ssize_t n;
		int pr;

		if (left <= 0)
			return -ETIMEDOUT;
		pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr ? -errno : -ETIMEDOUT;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		for (ssize_t i = 0; i < n; i++) {
			if (frame_rx_feed(rx, chunk[i]) != FRAME_RX_FRAME)
				continue;
			if ((rx->type == CHANNEL_TYPE_ERROR && !only_ours) ||
			    (rx->id == id && rx->type == (type | CHANNEL_RESPONSE))) {
				reply->type = rx->type;
				reply->len = rx->len;
				reply->payload = malloc(rx->len ? rx->len : 1);
				if (!reply->payload)
					return -ENOMEM;
				memcpy(reply->payload, rx->buf, rx->len);
				return 1;
			}
		}
	}
}

/* Is this reply the VMM saying that our frame never arrived whole? */
static bool vc_reply_lost(const struct vc_reply *r)
{
	int status = vc_resp_status(r->payload, r->len);

	return r->type == CHANNEL_TYPE_ERROR || status == -ETIMEDOUT;
}

static uint16_t vc_chan_id(void)
{
	uint16_t id = (uint16_t)(getpid() ^ vc_ms_now());

	return id ? id : 1;
}

int vc_chan_request(const char *socket_path, uint8_t type, const void *payload, size_t len,
		    unsigned timeout_s, struct vc_reply *reply)
{
	static uint8_t rxbuf[CHANNEL_MAX_PAYLOAD];
	uint8_t *frame = malloc(frame_size(len));
	long deadline = vc_ms_now() + 1000L * timeout_s;
	uint16_t id = vc_chan_id();
	/* Queries may be asked twice; a bundle is sent once (a second copy
	 * of an applied bundle would only be refused as a replay). */
	bool resend = type != CHANNEL_REQ_BUNDLE;
	struct frame_rx rx;
	int fd, ret = -ENOMEM;

	memset(reply, 0, sizeof(*reply));
	if (!frame)
		return ret;
	ret = (int)frame_encode(type, id, payload, len, frame, frame_size(len));
	fd = ret < 0 ? ret : vc_chan_connect(socket_path);
	if (ret < 0 || fd < 0) {
		free(frame);
		return ret < 0 ? ret : fd;
	}
	frame_rx_init(&rx, rxbuf, sizeof(rxbuf));
	for (int attempt = 0; attempt < 2; attempt++) {
		ret = vc_chan_write(fd, frame, frame_size(len));
		if (!ret)
			ret = vc_chan_await(fd, &rx, type, id, deadline, !resend, reply);
		if (ret != 1 || !resend || !vc_reply_lost(reply) || attempt)
			break;
		/* The VMM dropped a frame (perhaps a half one left by an
		 * earlier client, which swallowed ours): its receiver is idle
		 * again; ask once more. */
		free(reply->payload);
		memset(reply, 0, sizeof(*reply));
	}
	close(fd);
	free(frame);
	if (ret == -ETIMEDOUT)
		vc_err("%s: no response within %u s", socket_path, timeout_s);
	else if (ret < 0)
		vc_err("%s: %s", socket_path, strerror(-ret));
	return ret < 0 ? ret : 0;
}
