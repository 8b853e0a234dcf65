#include "guest_channel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unix_io.h"

#define READY_TAG  "@@MEMHP READY "
#define RESULT_TAG "@@MEMHP RC "
#define END_TAG	   "@@MEMHP END\n"
/* Far above any snapshot; a larger length is a garbled header. */
#define MAX_OUTPUT (64u << 20)

int guest_channel_open(struct guest_channel *gc, const char *path, double deadline)
{
	memset(gc, 0, sizeof(*gc));
	gc->fd = unix_connect(path, deadline);
	return gc->fd < 0 ? gc->fd : 0;
}

static int fill(struct guest_channel *gc, double deadline)
{
	long n = read_some(gc->fd, &gc->in, deadline);

	if (n == 0)
		return -ECONNRESET;
	return n < 0 ? (int)n : 0;
}

int guest_channel_wait_ready(struct guest_channel *gc, double deadline)
{
	for (;;) {
		/* memmem: boot noise on the line may hold NUL bytes. */
		char *tag = gc->in.buf
				? memmem(gc->in.buf, gc->in.len, READY_TAG, strlen(READY_TAG))
				: NULL;
		char *nl = tag ? memchr(tag, '\n', gc->in.len - (size_t)(tag - gc->in.buf)) : NULL;

		if (nl) {
			size_t len = (size_t)(nl - tag) - strlen(READY_TAG);

			if (len >= sizeof(gc->release))
				len = sizeof(gc->release) - 1;
			memcpy(gc->release, tag + strlen(READY_TAG), len);
			gc->release[len] = '\0';
			strbuf_consume(&gc->in, (size_t)(nl - gc->in.buf) + 1);
			return 0;
		}
		int ret = fill(gc, deadline);

		if (ret)
			return ret;
	}
}

/* Parses one complete result at the start of the buffer: 1 when taken,
 * 0 when more bytes are needed, -EPROTO when the stream is not ours. */
static int take_result(struct guest_channel *gc, struct guest_reply *reply)
{
	char *nl, *p = gc->in.buf;
	int rc;
	uint64_t outlen, errlen;
	size_t head, need;

	if (gc->in.len < strlen(RESULT_TAG))
		return 0;
	if (strncmp(p, RESULT_TAG, strlen(RESULT_TAG))) {
		/* Line noise before a result (a UART glitch): skip to the tag. */
		char *tag = memmem(p, gc->in.len, RESULT_TAG, strlen(RESULT_TAG));

		if (!tag)
			return 0;
		strbuf_consume(&gc->in, (size_t)(tag - p));
		p = gc->in.buf;
	}
	nl = memchr(p, '\n', gc->in.len);
	if (!nl)
		return 0;
	if (sscanf(p + strlen(RESULT_TAG), "%d %" SCNu64 " %" SCNu64, &rc, &outlen, &errlen) != 3)
		return -EPROTO;
	if (outlen > MAX_OUTPUT || errlen > MAX_OUTPUT)
		return -EPROTO;
	head = (size_t)(nl - p) + 1;
	need = head + outlen + errlen + strlen(END_TAG);
	if (gc->in.len < need)
		return 0;
	if (memcmp(p + head + outlen + errlen, END_TAG, strlen(END_TAG)))
		return -EPROTO;
	reply->rc = rc;
	reply->out = strndup(p + head, outlen);
	reply->err = strndup(p + head + outlen, errlen);
	strbuf_consume(&gc->in, need);
	return reply->out && reply->err ? 1 : -ENOMEM;
}

static int wait_result(struct guest_channel *gc, double deadline, struct guest_reply *reply)
{
	for (;;) {
		int ret = take_result(gc, reply);

		if (ret)
			return ret < 0 ? ret : 0;
		ret = fill(gc, deadline);
		if (ret)
			return ret;
	}
}

int guest_channel_run(struct guest_channel *gc, const char *cmdline, double deadline,
		      struct guest_reply *reply)
{
	int ret;

	memset(reply, 0, sizeof(*reply));
	if (gc->busy) {
		struct guest_reply stale = {0};

		ret = wait_result(gc, deadline, &stale);
		guest_reply_free(&stale);
		if (ret)
			return ret == -ETIMEDOUT ? -EBUSY : ret;
		gc->busy = false;
	}
	if (strchr(cmdline, '\n'))
		return -EINVAL;
	ret = write_all(gc->fd, cmdline, strlen(cmdline));
	if (!ret)
		ret = write_all(gc->fd, "\n", 1);
	if (!ret)
		ret = wait_result(gc, deadline, reply);
	if (ret == -ETIMEDOUT)
		gc->busy = true;
	if (ret)
		guest_reply_free(reply);
	return ret;
}

void guest_reply_free(struct guest_reply *reply)
{
	free(reply->out);
	free(reply->err);
	reply->out = reply->err = NULL;
}

void guest_channel_close(struct guest_channel *gc)
{
	if (gc->fd >= 0)
		close(gc->fd);
	gc->fd = -1;
	strbuf_release(&gc->in);
}
