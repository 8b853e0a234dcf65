/* A QMP client for a real QEMU: commands and their replies, with the
 * asynchronous events that arrive in between kept in order. */
#ifndef MEMHP_QMP_CLIENT_H
#define MEMHP_QMP_CLIENT_H

#include <stddef.h>

#include "strbuf.h"

struct json_object;

struct qmp_client {
	int fd;
	struct strbuf in;	    /* bytes not yet split into messages */
	struct json_object *events; /* array: events not yet taken */
	unsigned int next_id;	    /* of the commands sent, to match replies */
};

/* Connects, reads the greeting and leaves capabilities negotiation mode.
 * 0 or -errno; err says what failed. */
int qmp_client_open(struct qmp_client *c, const char *path, double deadline, char *err,
		    size_t errlen);

/* Sends one command (a JSON object as text) and returns its reply,
 * {"return": ...} or {"error": ...} with the command's "id" (one is added
 * when it has none), in *reply. 0 or -errno. */
int qmp_client_execute(struct qmp_client *c, const char *command, double deadline,
		       struct json_object **reply);

/* Reads whatever arrives until the deadline, queueing events: 0 when the
 * deadline passed, -errno when the connection failed. */
int qmp_client_pump(struct qmp_client *c, double deadline);

/* Hands over the queued events (a JSON array, possibly empty). */
struct json_object *qmp_client_take_events(struct qmp_client *c);

void qmp_client_close(struct qmp_client *c);

#endif
