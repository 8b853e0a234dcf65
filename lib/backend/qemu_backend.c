#include "qemu_backend.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "acpi_ost.h"
#include "array.h"
#include "guest_channel.h"
#include "qmp_client.h"
#include "scenario.h"
#include "runner.h"
#include "strbuf.h"
#include "sysfs_capture.h"
#include "unix_io.h"
#include "vfs.h"

/* Time limits when the scenario does not set them. A TCG boot of a cloud
 * kernel takes a few seconds; the margins are for loaded CI machines. */
#define DEFAULT_BOOT_TIMEOUT	120.0
#define DEFAULT_GUEST_TIMEOUT	60.0
#define DEFAULT_SETTLE_TIMEOUT	60.0
#define DEFAULT_SETTLE_QUIET	1.0
#define DEFAULT_VMEM_WAIT_QUIET 3.0
#define QMP_TIMEOUT		30.0
#define SNAPSHOT_TIMEOUT	300.0
#define CONSOLE_TAIL_LINES	30
#define MAX_PENDING_DEVICES	64
#define MAX_VMEM_DEVICES	32

/* A DIMM plug or unplug the guest has not answered yet. */
struct pending_device {
	char id[128];
	bool unplug;
};

struct qemu_session {
	const struct scenario *sc;
	const struct qemu_backend_options *opts;
	char dir[64]; /* sockets, console and QEMU's own messages */
	bool have_dir;
	char kernel[4096], initrd[4096], release[128], package[256];
	pid_t pid;
	int exit_status; /* QEMU's wait status once it has exited */
	struct qmp_client qmp;
	struct guest_channel guest;
	struct pending_device pending[MAX_PENDING_DEVICES];
	size_t nr_pending;
	struct json_object *result; /* the run JSON, while booting */
	struct sysroot_trees trees; /* under opts->sysroot_out */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static void progress(struct qemu_session *s, const char *fmt,
							   ...)
{
	char msg[512];
	va_list ap;

	if (!s->opts->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->opts->progress(s->opts->ctx, msg);
}

__attribute__((format(printf, 3, 4))) static int fail(struct qemu_session *s, int ret,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static void path_in(const struct qemu_session *s, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", s->dir, name);
}

/* The last lines of a file, for messages about a guest or QEMU that died. */
static char *file_tail(const char *path, int lines)
{
	struct strbuf sb = {0};
	char buf[4096], *out = NULL;
	FILE *f = fopen(path, "r");
	size_t n, start;
	int seen = 0;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_addn(&sb, buf, n);
	fclose(f);
	if (!sb.len || sb.oom) {
		strbuf_release(&sb);
		return NULL;
	}
	start = sb.len;
	while (start > 0 && seen <= lines)
		if (sb.buf[--start] == '\n' && start + 1 < sb.len)
			seen++;
	if (seen > lines)
		start++;
	out = strdup(sb.buf + start);
	strbuf_release(&sb);
	return out;
}

/* ---- preparing the kernel and initramfs ---- */

static void take_value(const char *line, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);

	if (!strncmp(line, key, k) && line[k] == '=')
		snprintf(out, len, "%.*s", (int)strcspn(line + k + 1, "\n"), line + k + 1);
}

/* Runs the preparation script without a shell (its path may hold any
 * character): stdout comes back through a pipe, stderr goes to log. */
static FILE *spawn_script(const char *script, const char *version, const char *log, pid_t *pid)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC))
		return NULL;
	*pid = fork();
	if (*pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (*pid == 0) {
		int err = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (err < 0 || dup2(fds[1], 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		execl(script, script, version, (char *)NULL);
		dprintf(2, "cannot run %s: %s\n", script, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	return fdopen(fds[0], "r");
}

static int prepare_kernel(struct qemu_session *s)
{
	const char *version = memhp_kernel_name(s->opts->version);
	char log[128], line[4096];
	int status = -1;
	pid_t pid;
	FILE *p;

	path_in(s, "prepare.log", log, sizeof(log));
	progress(s, "preparing the %s kernel and initramfs", version);
	p = spawn_script(s->opts->kernel_script, version, log, &pid);
	if (!p)
		return fail(s, -errno, "cannot run %s: %s", s->opts->kernel_script,
			    strerror(errno));
	while (fgets(line, sizeof(line), p)) {
		take_value(line, "KERNEL", s->kernel, sizeof(s->kernel));
		take_value(line, "INITRD", s->initrd, sizeof(s->initrd));
		take_value(line, "RELEASE", s->release, sizeof(s->release));
		take_value(line, "PACKAGE", s->package, sizeof(s->package));
	}
	fclose(p);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (status != 0 || !s->kernel[0] || !s->initrd[0]) {
		char *why = file_tail(log, 3);
		int ret = fail(s, -ENOENT, "no %s kernel: %s", version,
			       why ? why : "scripts/guest-kernel.sh failed");

		free(why);
		return ret;
	}
	return 0;
}

/* ---- QEMU's command line and process ---- */

static bool has_option(const struct scenario *sc, const char *a, const char *b)
{
	for (size_t i = 0; i < sc->qemu_argc; i++)
		if (!strcmp(sc->qemu_argv[i], a) || (b && !strcmp(sc->qemu_argv[i], b)))
			return true;
	return false;
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	while (path && *path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog);
		if (!access(buf, X_OK))
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

static int build_argv(struct qemu_session *s, const char *qemu, char ***out)
{
	const struct scenario *sc = s->sc;
	size_t max = sc->qemu_argc + 40, n = 0;
	char **argv = calloc(max, sizeof(*argv));
	char buf[8192];

	if (!argv)
		return -ENOMEM;
#define ARG(x) (assert(n + 1 < max), argv[n++] = strdup(x))
	ARG(qemu);
	ARG("-accel");
	/* One host thread for all vCPUs: with multi-threaded TCG, 6.12 with
	 * -smp 2 now and then oopses on an int3 while patching kernel text. */
	ARG("tcg,thread=single");
	ARG("-nodefaults");
	ARG("-display");
	ARG("none");
	ARG("-no-reboot");
	ARG("-kernel");
	ARG(s->kernel);
	ARG("-initrd");
	ARG(s->initrd);
	/* nokaslr: the kernel image always lands in the same block, so which
	 * boot blocks can be offlined does not change from run to run. */
	snprintf(buf, sizeof(buf), "console=ttyS0 nokaslr panic=-1 %s", sc->kernel_cmdline);
	ARG("-append");
	ARG(buf);
	ARG("-serial");
	snprintf(buf, sizeof(buf), "file:%s/console.log", s->dir);
	ARG(buf);
	ARG("-chardev");
	snprintf(buf, sizeof(buf), "socket,id=memhp-guest,path=%s/guest.sock,server=on,wait=off",
		 s->dir);
	ARG(buf);
	ARG("-serial");
	ARG("chardev:memhp-guest");
	ARG("-qmp");
	snprintf(buf, sizeof(buf), "unix:%s/qmp.sock,server=on,wait=off", s->dir);
	ARG(buf);
	/* scenario-format.md's defaults, where QEMU's own differ. */
	if (!has_option(sc, "-M", "-machine")) {
		ARG("-M");
		ARG("pc");
	}
	if (!has_option(sc, "-m", NULL)) {
		ARG("-m");
		ARG("4G");
	}
	for (size_t i = 0; i < sc->qemu_argc; i++)
		ARG(sc->qemu_argv[i]);
#undef ARG
	for (size_t i = 0; i < n; i++) {
		if (!argv[i]) {
			for (size_t j = 0; j < n; j++)
				free(argv[j]);
			free(argv);
			return -ENOMEM;
		}
	}
	*out = argv;
	return 0;
}

static void free_argv(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

static int start_qemu(struct qemu_session *s)
{
	const char *qemu = s->opts->qemu ? s->opts->qemu : "qemu-system-x86_64";
	char log[128], **argv = NULL;
	pid_t parent = getpid();
	int ret;

	if (!on_path(qemu))
		return fail(s, -ENOENT, "%s not found (Debian package qemu-system-x86)", qemu);
	ret = build_argv(s, qemu, &argv);
	if (ret)
		return fail(s, ret, "out of memory");
	path_in(s, "qemu.log", log, sizeof(log));
	s->pid = fork();
	if (s->pid < 0) {
		free_argv(argv);
		return fail(s, -errno, "fork: %s", strerror(errno));
	}
	if (s->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_RDONLY);

		/* QEMU must not outlive memhp, whatever ends memhp. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (fd < 0 || null < 0)
			_exit(127);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free_argv(argv);
	return 0;
}

/* True when QEMU has exited; its status is reaped. */
static bool qemu_exited(struct qemu_session *s)
{
	int status;

	if (s->pid <= 0)
		return true;
	if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
		s->pid = 0;
		s->exit_status = status;
		return true;
	}
	return false;
}

/* After a connection broke: gives QEMU a moment to finish exiting. */
static bool qemu_gone(struct qemu_session *s)
{
	double deadline = monotonic_seconds() + 2;

	while (!qemu_exited(s)) {
		if (monotonic_seconds() >= deadline)
			return false;
		usleep(20000);
	}
	return true;
}

static void stop_qemu(struct qemu_session *s)
{
	struct json_object *reply = NULL;
	double deadline;

	if (s->pid <= 0)
		return;
	if (s->qmp.fd >= 0 && !qmp_client_execute(&s->qmp, "{\"execute\": \"quit\"}",
						  monotonic_seconds() + 5, &reply))
		json_object_put(reply);
	else
		kill(s->pid, SIGTERM); /* no QMP to ask */
	deadline = monotonic_seconds() + 10;
	while (!qemu_exited(s) && monotonic_seconds() < deadline)
		usleep(20000);
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

/* Why QEMU or the guest went away, from QEMU's messages or the console. */
static int died(struct qemu_session *s, const char *what)
{
	int st = s->exit_status;
	char path[128], *tail;
	int ret;

	/* QEMU failing says so on stderr; a guest that panicked or powered off
	 * ends QEMU normally (-no-reboot) and only its console tells why. */
	if (s->pid <= 0 && (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st)))) {
		path_in(s, "qemu.log", path, sizeof(path));
		tail = file_tail(path, 5);
		if (WIFSIGNALED(st))
			ret = fail(s, -EIO, "%s: QEMU was killed by signal %d: %s", what,
				   WTERMSIG(st), tail ? tail : "(no message)");
		else
			ret = fail(s, -EIO, "%s: QEMU exited with status %d: %s", what,
				   WEXITSTATUS(st), tail ? tail : "(no message)");
	} else {
		path_in(s, "console.log", path, sizeof(path));
		tail = file_tail(path, CONSOLE_TAIL_LINES);
		ret = fail(s, -ECHILD, "%s: the guest died; its console ended with:\n%s", what,
			   tail ? tail : "(nothing)");
	}
	free(tail);
	return ret;
}

/* QEMU creates its sockets while it starts; one that refuses its options
 * exits instead, which must not cost the whole connect time-out. */
static int wait_for_socket(struct qemu_session *s, const char *path, double deadline)
{
	struct stat st;

	while (stat(path, &st)) {
		if (qemu_exited(s))
			return died(s, "starting QEMU");
		if (monotonic_seconds() >= deadline)
			return fail(s, -ETIMEDOUT, "QEMU did not create %s", path);
		usleep(20000);
	}
	return 0;
}

/* Short connection attempts with a look at QEMU in between: a QEMU that
 * created its socket and then exited must not cost the whole time-out. */
static int open_qmp(struct qemu_session *s, const char *path, double deadline)
{
	for (;;) {
		int ret =
		    qmp_client_open(&s->qmp, path, monotonic_seconds() + 1, s->err, s->errlen);

		if (!ret)
			return 0;
		qmp_client_close(&s->qmp);
		if (qemu_gone(s))
			return died(s, "starting QEMU");
		if (monotonic_seconds() >= deadline)
			return ret;
	}
}

static int boot(struct qemu_session *s)
{
	double boot_timeout = s->sc->boot_timeout > 0 ? s->sc->boot_timeout : DEFAULT_BOOT_TIMEOUT;
	double deadline = monotonic_seconds() + boot_timeout;
	char path[128];
	int ret;

	ret = start_qemu(s);
	if (ret)
		return ret;
	progress(s, "booting %s under QEMU (TCG)", s->release);
	path_in(s, "qmp.sock", path, sizeof(path));
	ret = wait_for_socket(s, path, monotonic_seconds() + 30);
	if (ret)
		return ret;
	ret = open_qmp(s, path, monotonic_seconds() + 30);
	if (ret)
		return ret;
	path_in(s, "guest.sock", path, sizeof(path));
	ret = guest_channel_open(&s->guest, path, monotonic_seconds() + 5);
	if (ret)
		return qemu_gone(s)
			   ? died(s, "starting QEMU")
			   : fail(s, ret, "guest serial socket %s: %s", path, strerror(-ret));
	ret = guest_channel_wait_ready(&s->guest, deadline);
	if (ret == -ETIMEDOUT)
		return qemu_exited(s)
			   ? died(s, "boot")
			   : fail(s, ret, "the guest did not come up within %g s", boot_timeout);
	if (ret)
		return died(s, "boot");
	progress(s, "guest %s is up", s->guest.release);
	return 0;
}

/* ---- steps ---- */

static const char *json_string_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Remembers a successful DIMM device_add or device_del for settle. */
static void note_pending(struct qemu_session *s, const char *command)
{
	struct json_object *cmd = json_tokener_parse(command), *args;
	const char *exec, *id, *driver;
	bool unplug;

	exec = cmd ? json_string_member(cmd, "execute") : NULL;
	if (!exec || !json_object_object_get_ex(cmd, "arguments", &args))
		goto out;
	id = json_string_member(args, "id");
	driver = json_string_member(args, "driver");
	unplug = !strcmp(exec, "device_del");
	if (!id || s->nr_pending == MAX_PENDING_DEVICES)
		goto out;
	if (unplug || (!strcmp(exec, "device_add") && driver && !strcmp(driver, "pc-dimm"))) {
		struct pending_device *p = &s->pending[s->nr_pending++];

		snprintf(p->id, sizeof(p->id), "%s", id);
		p->unplug = unplug;
	}
out:
	json_object_put(cmd);
}

static int qemu_host(void *ctx, struct backend_step *bs)
{
	struct qemu_session *s = ctx;
	const struct scenario_step *st = bs->st;
	struct json_object *reply = NULL;
	int ret;

	ret = qmp_client_execute(&s->qmp, st->arg, monotonic_seconds() + QMP_TIMEOUT, &reply);
	if (ret)
		return qemu_gone(s)
			   ? died(s, "QMP")
			   : fail(s, ret, "line %d: no QMP reply: %s", st->lineno, strerror(-ret));
	json_object_object_del(reply, "id");
	bs->failed = json_object_object_get_ex(reply, "error", NULL);
	if (!bs->failed)
		note_pending(s, st->arg);
	json_object_object_add(bs->o, "response", reply);
	return 0;
}

static double guest_timeout(const struct qemu_session *s, const struct scenario_step *st)
{
	if (st->seconds > 0)
		return st->seconds;
	return s->sc->guest_timeout > 0 ? s->sc->guest_timeout : DEFAULT_GUEST_TIMEOUT;
}

/* How long the host waits past a command's time-out for the guest to
 * report it ended by SIGINT. */
#define GUEST_INTERRUPT_GRACE 15.0

/* The guest sends the command SIGINT once timeout passes (guest/init's
 * "@@T"): a write the kernel retries until signalled ends with EINTR
 * there, as the model has it. -ETIMEDOUT (the guest did not answer even
 * then) is a step error; a lost guest ends the run. */
static int guest_command(struct qemu_session *s, const char *cmd, double timeout,
			 struct guest_reply *reply)
{
	char *line = NULL;
	int ret;

	if (asprintf(&line, "@@T %g %s", timeout, cmd) < 0)
		return fail(s, -ENOMEM, "guest command '%s': %s", cmd, strerror(ENOMEM));
	ret = guest_channel_run(&s->guest, line, monotonic_seconds() + timeout + GUEST_INTERRUPT_GRACE,
				reply);
	free(line);

	if (!ret || ret == -EBUSY)
		return ret;
	if (ret == -ECONNRESET || qemu_exited(s))
		return died(s, cmd);
	if (ret == -ETIMEDOUT)
		return ret;
	return fail(s, ret, "guest command '%s': %s", cmd,
		    ret == -EPROTO ? "garbled answer from the guest" : strerror(-ret));
}

static int qemu_guest(void *ctx, struct backend_step *bs)
{
	struct qemu_session *s = ctx;
	struct json_object *o = bs->o;
	struct guest_reply reply;
	double timeout = guest_timeout(s, bs->st);
	int ret = guest_command(s, bs->st->arg, timeout, &reply);

	if (ret == -ETIMEDOUT || ret == -EBUSY) {
		char msg[128];

		bs->failed = true;
		if (ret == -EBUSY)
			snprintf(msg, sizeof(msg),
				 "not run: the previous guest command is still running");
		else
			snprintf(msg, sizeof(msg), "timed out after %g s", timeout);
		json_object_object_add(o, "rc", NULL);
		json_object_object_add(o, "error", json_object_new_string(msg));
		return 0;
	}
	if (ret)
		return ret;
	bs->failed = reply.rc != 0;
	json_object_object_add(o, "rc", json_object_new_int(reply.rc));
	json_object_object_add(o, "stdout", json_object_new_string(reply.out));
	json_object_object_add(o, "stderr", json_object_new_string(reply.err));
	guest_reply_free(&reply);
	return 0;
}

/* ---- settle ---- */

static bool event_ends(const struct pending_device *p, struct json_object *ev)
{
	const char *name = json_string_member(ev, "event"), *dev;
	struct json_object *data, *info, *v;
	int64_t source = -1, status = -1;

	if (!name || !json_object_object_get_ex(ev, "data", &data))
		return false;
	if (!strcmp(name, "DEVICE_DELETED")) {
		dev = json_string_member(data, "device");
		return p->unplug && dev && !strcmp(dev, p->id);
	}
	if (strcmp(name, "ACPI_DEVICE_OST") || !json_object_object_get_ex(data, "info", &info))
		return false;
	dev = json_string_member(info, "device");
	if (!dev || strcmp(dev, p->id))
		return false;
	if (json_object_object_get_ex(info, "source", &v))
		source = json_object_get_int64(v);
	if (json_object_object_get_ex(info, "status", &v))
		status = json_object_get_int64(v);
	/* Insertion: any _OST answers it (a failed add reports 0 too, see
	 * dimm-acpi.md). Eject: success ends with DEVICE_DELETED, failure
	 * with a final non-zero _OST status. */
	return p->unplug ? source == ACPI_NOTIFY_EJECT_REQUEST && status != ACPI_OST_SC_SUCCESS &&
			       status != ACPI_OST_SC_EJECT_IN_PROGRESS
			 : source == ACPI_NOTIFY_DEVICE_CHECK;
}

static void resolve_pending(struct qemu_session *s, struct json_object *events, size_t from)
{
	size_t n = json_object_array_length(events);

	for (size_t i = from; i < n; i++) {
		struct json_object *ev = json_object_array_get_idx(events, i);

		for (size_t k = 0; k < s->nr_pending;) {
			if (event_ends(&s->pending[k], ev))
				s->pending[k] = s->pending[--s->nr_pending];
			else
				k++;
		}
	}
}

/* One virtio-mem device as query-memory-devices shows it. */
struct vmem_dev {
	char id[128];
	bool has_id;
	int64_t addr, size, req;
};

struct vmem_state {
	size_t n;
	struct vmem_dev dev[MAX_VMEM_DEVICES];
};

static int64_t int_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static int vmem_dev_cmp(const void *p, const void *q)
{
	const struct vmem_dev *a = p, *b = q;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* The virtio-mem devices in address order. NULL on success, else why
 * their state is unknown (the caller frees it); *vs is then empty. */
static char *query_virtio_mem(struct qemu_session *s, double deadline, struct vmem_state *vs)
{
	struct json_object *reply = NULL, *list;
	char *why = NULL;

	vs->n = 0;
	if (qmp_client_execute(&s->qmp, "{\"execute\": \"query-memory-devices\"}", deadline,
			       &reply))
		return strdup("no answer to query-memory-devices");
	if (!json_object_object_get_ex(reply, "return", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		why = strdup("query-memory-devices failed");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(list) && vs->n < MAX_VMEM_DEVICES; i++) {
		struct json_object *dev = json_object_array_get_idx(list, i), *data;
		const char *type = json_string_member(dev, "type"), *id;
		struct vmem_dev *d = &vs->dev[vs->n];

		if (!type || strcmp(type, "virtio-mem") ||
		    !json_object_object_get_ex(dev, "data", &data))
			continue;
		id = json_string_member(data, "id");
		d->has_id = id != NULL;
		snprintf(d->id, sizeof(d->id), "%s", id ? id : "");
		d->addr = int_member(data, "memaddr");
		d->size = int_member(data, "size");
		d->req = int_member(data, "requested-size");
		vs->n++;
	}
	qsort(vs->dev, vs->n, sizeof(vs->dev[0]), vmem_dev_cmp);
out:
	json_object_put(reply);
	return why;
}

static bool vmem_sizes_equal(const struct vmem_state *a, const struct vmem_state *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->dev[i].addr != b->dev[i].addr || a->dev[i].size != b->dev[i].size)
			return false;
	return true;
}

static bool vmem_all_reached(const struct vmem_state *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->dev[i].size != vs->dev[i].req)
			return false;
	return true;
}

/* The settle step's "devices": id, size and requested-size per device in
 * address order, and for a device short of its request why settle ended
 * anyway (why). */
static struct json_object *vmem_devices_json(const struct vmem_state *vs, const char *why)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < vs->n; i++) {
		const struct vmem_dev *d = &vs->dev[i];
		struct json_object *o = json_object_new_object();

		if (!o)
			break;
		json_object_object_add(o, "id", d->has_id ? json_object_new_string(d->id) : NULL);
		json_object_object_add(o, "size", json_object_new_int64(d->size));
		json_object_object_add(o, "requested-size", json_object_new_int64(d->req));
		if (d->size != d->req)
			json_object_object_add(o, "why", json_object_new_string(why));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Blocks in going-offline as a note, NULL when none. */
static int offlining_busy(struct qemu_session *s, double timeout, char **why)
{
	struct guest_reply reply;
	int ret;

	*why = NULL;
	ret = guest_command(s, "grep -l going-offline /sys/devices/system/memory/memory*/state",
			    timeout, &reply);
	if (ret == -ETIMEDOUT || ret == -EBUSY) {
		*why = strdup("the guest does not answer");
		return 0;
	}
	if (ret)
		return ret;
	if (reply.rc == 0 && reply.out[0]) {
		reply.out[strcspn(reply.out, "\n")] = '\0';
		*why = strdup(reply.out);
	}
	guest_reply_free(&reply);
	return 0;
}

static void add_event_notes(struct json_object *notes, struct json_object *events)
{
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		struct json_object *ev = json_object_array_get_idx(events, i);
		struct strbuf sb = {0};
		char *line = NULL;

		/* Timestamps differ on every run; the model has none. */
		json_object_object_del(ev, "timestamp");
		strbuf_addf(&sb, "event %s",
			    json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
		if (!strbuf_detach(&sb, &line))
			json_object_array_add(notes, json_object_new_string(line));
		free(line);
	}
}

/* Waits a moment for QMP events and appends them to events, settling the
 * DIMM requests they answer. */
static int collect_events(struct qemu_session *s, struct json_object *events)
{
	size_t before = json_object_array_length(events);
	struct json_object *fresh;

	if (qmp_client_pump(&s->qmp, monotonic_seconds() + 0.2))
		return died(s, "settle");
	fresh = qmp_client_take_events(&s->qmp);
	for (size_t i = 0; i < json_object_array_length(fresh); i++)
		json_object_array_add(events, json_object_get(json_object_array_get_idx(fresh, i)));
	json_object_put(fresh);
	resolve_pending(s, events, before);
	return 0;
}

/* A DIMM request the guest has not answered yet, as a note, or NULL. */
static char *dimm_busy(struct qemu_session *s)
{
	char *why = NULL;

	if (s->nr_pending && asprintf(&why, "waiting for the guest to %s %s",
				      s->pending[0].unplug ? "eject" : "add", s->pending[0].id) < 0)
		why = NULL;
	return why;
}

/* settle ends when no DIMM request is pending, no block is going-offline
 * and either (a) every virtio-mem device's size is its requested-size, or
 * (b) some is not but no size changed and no QMP event came for the quiet
 * time: the driver waits (offline threshold, unplug_online=N, its retry
 * timer). QEMU rate-limits MEMORY_DEVICE_SIZE_CHANGE to one per second per
 * device and delivers the last coalesced one when the second ends, so with
 * virtio-mem devices the quiet time is at least 1 s after the last size
 * change: the final event then belongs to this step. */
static int qemu_settle(void *ctx, struct backend_step *bs)
{
	struct qemu_session *s = ctx;
	const struct scenario_step *st = bs->st;
	double timeout = st->timeout > 0   ? st->timeout
			 : st->seconds > 0 ? st->seconds
					   : DEFAULT_SETTLE_TIMEOUT;
	double now = monotonic_seconds(), deadline = now + timeout, last_change = now;
	struct json_object *notes = json_object_new_array(), *events = json_object_new_array();
	struct vmem_state vs = {0}, prev = {0};
	char *why = NULL, vmem_why[96] = "settle did not finish";
	bool settled = false, first = true;
	int ret = 0;

	while (!ret) {
		size_t before = json_object_array_length(events);
		double quiet;

		ret = collect_events(s, events);
		if (ret)
			break;
		free(why);
		why = query_virtio_mem(s, monotonic_seconds() + QMP_TIMEOUT, &vs);
		now = monotonic_seconds();
		if (json_object_array_length(events) != before ||
		    (!first && !why && !vmem_sizes_equal(&vs, &prev)))
			last_change = now;
		if (!why) {
			prev = vs;
			first = false;
			why = dimm_busy(s);
		}
		/* (a) waits quiet= (default 1 s) after the last change, (b)
		 * longer by default: TCG guests can take a while per block. */
		quiet = st->quiet > 0 ? st->quiet
				      : (vmem_all_reached(&vs) ? DEFAULT_SETTLE_QUIET
							       : DEFAULT_VMEM_WAIT_QUIET);
		if (vs.n && quiet < 1.0)
			quiet = 1.0;
		if (!why && now - last_change >= quiet) {
			/* Within the settle time-out, but give the guest a second. */
			double left = deadline - now;

			ret = offlining_busy(s, left > 1 ? left : 1, &why);
			if (!ret && !why) {
				settled = true;
				snprintf(vmem_why, sizeof(vmem_why), "no size change for %g s",
					 quiet);
				break;
			}
		}
		if (monotonic_seconds() >= deadline) {
			snprintf(vmem_why, sizeof(vmem_why),
				 "still short when settle timed out after %g s", timeout);
			break;
		}
	}
	add_event_notes(notes, events);
	if (!settled) {
		char *line = NULL;

		if (asprintf(&line, "not settled after %g s: %s", timeout,
			     why ? why : "events kept arriving (no quiet period)") > 0)
			json_object_array_add(notes, json_object_new_string(line));
		free(line);
	}
	free(why);
	json_object_put(events);
	json_object_object_add(bs->o, "settled", json_object_new_boolean(settled));
	json_object_object_add(bs->o, "notes", notes);
	/* Only machines with virtio-mem devices get the key: the recordings
	 * of the others stay as they were. */
	if (prev.n)
		json_object_object_add(bs->o, "devices", vmem_devices_json(&prev, vmem_why));
	return ret;
}

static int qemu_snapshot(void *ctx, struct backend_step *bs)
{
	struct qemu_session *s = ctx;
	const struct scenario_step *st = bs->st;
	struct sysfs_capture cap;
	struct guest_reply reply;
	struct json_object *devices = NULL, *qmp_reply = NULL;
	int ret;

	ret = guest_command(s, "memhp-snapshot", SNAPSHOT_TIMEOUT, &reply);
	if (ret == -ETIMEDOUT)
		return fail(s, ret, "snapshot %s: the guest did not answer within %g s", st->arg,
			    SNAPSHOT_TIMEOUT);
	if (ret)
		return ret;
	ret = sysfs_capture_parse(reply.out, &cap);
	guest_reply_free(&reply);
	if (ret)
		return fail(s, ret, "snapshot %s: unreadable capture from the guest", st->arg);
	ret = qmp_client_execute(&s->qmp, "{\"execute\": \"query-memory-devices\"}",
				 monotonic_seconds() + QMP_TIMEOUT, &qmp_reply);
	if (!ret && json_object_object_get_ex(qmp_reply, "return", &devices))
		json_object_get(devices);
	json_object_put(qmp_reply);
	bs->snapshot = sysfs_capture_snapshot(&cap, st->arg, bs->index,
					      devices ? devices : json_object_new_array());
	ret = 0;
	if (s->opts->sysroot_out) {
		/* As sysfs_capture_write, sharing what the last snapshot left as it was. */
		struct vfs v;

		sysfs_capture_vfs(&cap, &v);
		ret = sysroot_save_next(&s->trees, &v, s->opts->sysroot_out, st->arg, s->err,
					s->errlen);
	}
	sysfs_capture_release(&cap);
	return ret;
}

static int qemu_sleep(void *ctx, struct backend_step *bs)
{
	struct qemu_session *s = ctx;
	double deadline = monotonic_seconds() + bs->st->seconds;

	/* Events that arrive meanwhile stay queued for the next settle. */
	while (monotonic_seconds() < deadline)
		if (qmp_client_pump(&s->qmp, deadline))
			return died(s, "sleep");
	return 0;
}

/* ---- the run ---- */

static void unlink_sockets(const struct qemu_session *s)
{
	char path[128];

	path_in(s, "qmp.sock", path, sizeof(path));
	unlink(path);
	path_in(s, "guest.sock", path, sizeof(path));
	unlink(path);
}

/* A guest that dies before it is up (not QEMU refusing its options) is
 * booted once more: TCG boots are not perfectly repeatable. */
static int boot_with_retry(struct qemu_session *s)
{
	int ret = boot(s);

	if (ret != -ECHILD)
		return ret;
	progress(s, "the guest died during boot; booting it once more");
	stop_qemu(s);
	qmp_client_close(&s->qmp);
	guest_channel_close(&s->guest);
	unlink_sockets(s);
	json_object_object_add(s->result, "boot_attempts", json_object_new_int(2));
	return boot(s);
}

static void remove_dir(const char *dir)
{
	static const char *const names[] = {"qmp.sock", "guest.sock", "console.log", "qemu.log",
					    "prepare.log"};
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void keep_console(struct qemu_session *s)
{
	char path[128], buf[65536];
	FILE *in, *out;
	size_t n;

	if (!s->opts->console_log)
		return;
	path_in(s, "console.log", path, sizeof(path));
	in = fopen(path, "r");
	out = fopen(s->opts->console_log, "w");
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

static int qemu_boot(void *ctx, struct json_object *result)
{
	struct qemu_session *s = ctx;
	int ret;

	s->result = result;
	snprintf(s->dir, sizeof(s->dir), "/tmp/memhp-qemu-XXXXXX");
	s->have_dir = mkdtemp(s->dir) != NULL;
	if (!s->have_dir)
		ret = fail(s, -errno, "cannot create a directory in /tmp: %s", strerror(errno));
	else
		ret = prepare_kernel(s);
	if (!ret)
		ret = boot_with_retry(s);
	s->result = NULL;
	return ret;
}

/* QEMU is always shut down; the result says which kernel ran. */
static void qemu_finish(void *ctx, struct json_object *result)
{
	struct qemu_session *s = ctx;

	stop_qemu(s);
	qmp_client_close(&s->qmp);
	guest_channel_close(&s->guest);
	if (s->have_dir) {
		keep_console(s);
		remove_dir(s->dir);
	}
	json_object_object_add(result, "kernel_release",
			       s->release[0] ? json_object_new_string(s->release) : NULL);
	json_object_object_add(result, "kernel_package",
			       s->package[0] ? json_object_new_string(s->package) : NULL);
}

static const struct backend_ops qemu_ops = {
    .name = "qemu",
    .boot = qemu_boot,
    .host = qemu_host,
    .guest = qemu_guest,
    .settle = qemu_settle,
    .snapshot = qemu_snapshot,
    .sleep = qemu_sleep,
    .finish = qemu_finish,
};

int qemu_backend_run(const struct scenario *sc, const struct qemu_backend_options *opts,
		     struct json_object **result, char *err, size_t errlen)
{
	struct qemu_session s = {
	    .sc = sc,
	    .opts = opts,
	    .err = err,
	    .errlen = errlen,
	    .qmp = {.fd = -1},
	    .guest = {.fd = -1},
	};
	struct runner_options ro = {
	    .version = opts->version,
	    .progress = opts->progress,
	    .progress_ctx = opts->ctx,
	};
	int ret;

	sysroot_trees_init(&s.trees);
	ret = runner_run(sc, &ro, &qemu_ops, &s, result, err, errlen);
	sysroot_trees_release(&s.trees);
	return ret;
}
