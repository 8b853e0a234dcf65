#include "qmp_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "unix_io.h"

/* The next complete message (one per line) or NULL. */
static struct json_object *next_message(struct qmp_client *c, int *ret)
{
	char *nl;

	*ret = 0;
	while (c->in.buf && (nl = memchr(c->in.buf, '\n', c->in.len))) {
		size_t len = (size_t)(nl - c->in.buf) + 1;
		struct json_object *msg;

		*nl = '\0';
		msg = json_tokener_parse(c->in.buf);
		strbuf_consume(&c->in, len);
		if (msg && json_object_is_type(msg, json_type_object))
			return msg;
		json_object_put(msg);
		*ret = -EPROTO;
		return NULL;
	}
	return NULL;
}

/* Reads until the reply carrying id arrives (id NULL: the first reply);
 * events are queued, replies to earlier commands that timed out dropped. */
static int read_reply(struct qmp_client *c, const char *id, double deadline,
		      struct json_object **reply)
{
	for (;;) {
		struct json_object *msg, *v;
		int ret;

		while ((msg = next_message(c, &ret))) {
			if (json_object_object_get_ex(msg, "event", NULL)) {
				json_object_array_add(c->events, msg);
				continue;
			}
			if (id && (!json_object_object_get_ex(msg, "id", &v) ||
				   strcmp(json_object_to_json_string(v), id))) {
				json_object_put(msg);
				continue;
			}
			*reply = msg;
			return 0;
		}
		if (ret)
			return ret;
		long n = read_some(c->fd, &c->in, deadline);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return (int)n;
	}
}

int qmp_client_open(struct qmp_client *c, const char *path, double deadline, char *err,
		    size_t errlen)
{
	struct json_object *greeting = NULL, *reply = NULL;
	int ret;

	memset(c, 0, sizeof(*c));
	c->events = json_object_new_array();
	c->fd = unix_connect(path, deadline);
	if (c->fd < 0) {
		ret = c->fd;
		snprintf(err, errlen, "QMP socket %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = read_reply(c, NULL, deadline, &greeting);
	if (!ret && !json_object_object_get_ex(greeting, "QMP", NULL))
		ret = -EPROTO;
	if (!ret)
		ret =
		    qmp_client_execute(c, "{\"execute\": \"qmp_capabilities\"}", deadline, &reply);
	if (!ret && !json_object_object_get_ex(reply, "return", NULL))
		ret = -EPROTO;
	if (ret)
		snprintf(err, errlen, "QMP handshake on %s: %s", path, strerror(-ret));
	json_object_put(greeting);
	json_object_put(reply);
	return ret;
}

int qmp_client_execute(struct qmp_client *c, const char *command, double deadline,
		       struct json_object **reply)
{
	struct json_object *cmd = json_tokener_parse(command), *id;
	char *text = NULL, *id_text = NULL;
	int ret;

	*reply = NULL;
	/* An id ties the reply to this command; QEMU echoes it. Text that is
	 * not a JSON object goes out as written and gets QEMU's error. */
	if (cmd && json_object_is_type(cmd, json_type_object)) {
		if (!json_object_object_get_ex(cmd, "id", &id)) {
			char own[32];

			snprintf(own, sizeof(own), "memhp-%u", ++c->next_id);
			id = json_object_new_string(own);
			json_object_object_add(cmd, "id", id);
		}
		id_text = strdup(json_object_to_json_string(id));
		text = strdup(json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(cmd);
	ret = write_all(c->fd, text ? text : command, strlen(text ? text : command));
	if (!ret)
		ret = write_all(c->fd, "\n", 1);
	if (!ret)
		ret = read_reply(c, id_text, deadline, reply);
	free(text);
	free(id_text);
	return ret;
}

int qmp_client_pump(struct qmp_client *c, double deadline)
{
	for (;;) {
		struct json_object *msg;
		int ret;

		while ((msg = next_message(c, &ret))) {
			/* Only events arrive unasked; anything else is dropped. */
			if (json_object_object_get_ex(msg, "event", NULL))
				json_object_array_add(c->events, msg);
			else
				json_object_put(msg);
		}
		if (ret)
			return ret;
		long n = read_some(c->fd, &c->in, deadline);

		if (n == -ETIMEDOUT)
			return 0;
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return (int)n;
	}
}

struct json_object *qmp_client_take_events(struct qmp_client *c)
{
	struct json_object *ev = c->events;

	c->events = json_object_new_array();
	return ev;
}

void qmp_client_close(struct qmp_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	strbuf_release(&c->in);
	json_object_put(c->events);
	c->events = NULL;
}
