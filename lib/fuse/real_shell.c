/* memhp run --real-shell: guest lines the model's shell does not know run
 * in a real sh over the model's FUSE tree (memhp.h). The tree is mounted
 * and bound over /sys and /proc once per machine, in this process's own
 * mount namespace; each line is one `sh -c LINE` in a process group of
 * its own, as guest/timeout.c starts it on the real guest, while this
 * process serves its reads and writes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_shell.h"
#include "memhp/memhp.h"
#include "model_fuse.h"
#include "model_ns.h"
#include "scenario_run.h"

/* How long after the time-out's SIGINT a command may take to end; then
 * it is killed and the step timed out (qemu_backend.c waits as long for
 * the guest's answer). */
#define INTERRUPT_GRACE_MS 15000

/* Each of stdout and stderr is kept up to this (RLIMIT_FSIZE: a command
 * writing more gets SIGXFSZ), as memhp reads input files. */
#define OUTPUT_MAX (16u << 20)

/* The usual directories after the caller's: the guest has only /bin. */
#define SYSTEM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct real_shell {
	struct memhp_guest_fallback hook; /* first: the hook is the shell */
	char shell[PATH_MAX];		  /* busybox, or /bin/sh */
	const char *name;		  /* "busybox sh" or "/bin/sh" */
	char *path_env;			  /* "PATH=..." */
	char fusedir[32];		  /* where the tree is mounted, or "" */
	struct machine *m;		  /* whose tree it is */
	struct model_fuse *fuse;
};

static struct real_shell *to_shell(struct memhp_guest_fallback *gf)
{
	return (struct real_shell *)gf;
}

/* busybox on PATH: the real guest's shell is busybox ash. */
static bool find_busybox(char *out, size_t len)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && (size_t)snprintf(out, len, "%.*s/busybox", (int)n, path) < len &&
		    !access(out, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* Undoes mount_tree(). */
static void unmount_tree(struct real_shell *rs)
{
	if (rs->fuse) {
		model_ns_unbind();
		model_fuse_free(rs->fuse);
	}
	rs->fuse = NULL;
	rs->m = NULL;
	if (rs->fusedir[0])
		rmdir(rs->fusedir);
	rs->fusedir[0] = '\0';
}

/* In the helper process: the bind, its failure's text to report. */
static void bind_child(void *arg, int report)
{
	const struct real_shell *rs = arg;
	char msg[768];
	int ret = model_ns_bind(rs->fusedir, msg, sizeof(msg));

	if (ret && write(report, msg, strlen(msg)) < 0)
		_exit(1);
	_exit(ret ? 1 : 0);
}

/* A helper process binds the tree over /sys and /proc (the bind asks the
 * FUSE server, us, about the paths); its failure comes back through a
 * pipe. */
static int bind_tree(struct real_shell *rs, char *err, size_t errlen)
{
	int wstatus = 0;
	int ret =
	    model_fuse_run_child(rs->fuse, bind_child, rs, false, EPERM, &wstatus, err, errlen);

	if (!ret && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)) {
		snprintf(err, errlen, "cannot bind the model's tree over /sys and /proc");
		return -EPERM;
	}
	return ret;
}

/* m's tree in place, once per machine. 0, or -errno with err; nothing
 * left mounted on error. */
static int mount_tree(struct real_shell *rs, struct machine *m, char *err, size_t errlen)
{
	int ret;

	if (rs->fuse && rs->m == m)
		return 0;
	unmount_tree(rs);
	snprintf(rs->fusedir, sizeof(rs->fusedir), "/tmp/memhp-sh-XXXXXX");
	if (!mkdtemp(rs->fusedir)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", rs->fusedir, strerror(-ret));
		rs->fusedir[0] = '\0';
		return ret;
	}
	ret = model_fuse_new(m, false, &rs->fuse);
	if (ret) {
		unmount_tree(rs);
		return ret;
	}
	rs->m = m;
	ret = model_fuse_mount(rs->fuse, rs->fusedir, false, err, errlen);
	if (!ret)
		ret = bind_tree(rs, err, errlen);
	if (ret)
		unmount_tree(rs);
	return ret;
}

/* In the child: the guest's way of running a line (guest/init: stdin
 * /dev/null, stdout and stderr to files; guest/timeout.c: a process
 * group of its own, signals as a fresh process has them). An exec
 * failure goes to the parent through report; the child exits 127. */
static void shell_child(const struct real_shell *rs, const char *line, int out, int errfd,
			int report)
{
	static const int sigs[] = {SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGCHLD, SIGHUP, SIGALRM};
	struct rlimit fsize = {OUTPUT_MAX, OUTPUT_MAX};
	char *const argv[] = {"sh", "-c", (char *)line, NULL};
	char *const envp[] = {rs->path_env, "HOME=/", "TERM=linux", NULL};
	char msg[PATH_MAX + 64];
	sigset_t none;
	int in;

	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	in = open("/dev/null", O_RDONLY);
	if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0 || chdir("/") ||
	    setrlimit(RLIMIT_FSIZE, &fsize)) {
		snprintf(msg, sizeof(msg), "cannot set up the shell: %s", strerror(errno));
	} else {
		execve(rs->shell, argv, envp);
		snprintf(msg, sizeof(msg), "%s: %s", rs->shell, strerror(errno));
	}
	if (write(report, msg, strlen(msg)) < 0)
		_exit(127);
	_exit(127);
}

/* What the command wrote to fd (a memfd), as a string. */
static int take_output(int fd, char **out)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;

	*out = NULL;
	if (fstat(fd, &st))
		return -errno;
	if ((uint64_t)st.st_size > OUTPUT_MAX)
		st.st_size = OUTPUT_MAX;
	*out = malloc((size_t)st.st_size + 1);
	if (!*out)
		return -ENOMEM;
	while (len < (size_t)st.st_size &&
	       (n = pread(fd, *out + len, (size_t)st.st_size - len, (off_t)len)) > 0)
		len += (size_t)n;
	(*out)[len] = '\0';
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serves the command until it ends: SIGINT to its group at the time-out,
 * as guest/timeout.c sends it, SIGKILL when it is still there after the
 * grace (then -ETIMEDOUT). 0 with *wstatus, or -errno (the FUSE channel
 * failed: the command is killed). */
static int wait_command(struct real_shell *rs, pid_t pid, double timeout, int *wstatus)
{
	/* A time-out of more than a thousand years (or inf) is none. */
	long long deadline = timeout < 3e10 ? now_ms() + (long long)(timeout * 1000.0) : -1;
	int ret = model_fuse_serve_until(rs->fuse, pid, deadline, wstatus);

	if (ret == -ETIMEDOUT) {
		kill(-pid, SIGINT);
		ret = model_fuse_serve_until(rs->fuse, pid, now_ms() + INTERRUPT_GRACE_MS, wstatus);
		if (ret == -ETIMEDOUT) {
			kill(-pid, SIGKILL);
			if (!model_fuse_serve_until(rs->fuse, pid, -1, wstatus))
				return -ETIMEDOUT;
		}
	}
	if (ret && ret != -ETIMEDOUT) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return ret;
}

/* The outputs, the exec report, and the child: fds[0..2]. */
static int start_command(struct real_shell *rs, const char *line, int fds[4], pid_t *pid)
{
	int ret;

	fds[0] = memfd_create("memhp-sh-stdout", MFD_CLOEXEC);
	fds[1] = memfd_create("memhp-sh-stderr", MFD_CLOEXEC);
	if (fds[0] < 0 || fds[1] < 0 || pipe2(fds + 2, O_CLOEXEC))
		return -errno;
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0) {
		close(fds[2]);
		shell_child(rs, line, fds[0], fds[1], fds[3]);
	}
	close(fds[3]);
	fds[3] = -1;
	/* Either side may win the race: both ask (guest/timeout.c). */
	ret = setpgid(*pid, *pid);
	(void)ret;
	return 0;
}

static int run_line(struct memhp_guest_fallback *gf, struct machine *m, const char *line,
		    double timeout, struct guest_result *res, char *err, size_t errlen)
{
	struct real_shell *rs = to_shell(gf);
	int fds[4] = {-1, -1, -1, -1}, wstatus = 0, ret;
	pid_t pid = -1;
	ssize_t n;

	*res = (struct guest_result){0};
	ret = mount_tree(rs, m, err, errlen);
	if (ret)
		return ret;
	ret = start_command(rs, line, fds, &pid);
	if (ret) {
		snprintf(err, errlen, "cannot start %s: %s", rs->name, strerror(-ret));
		goto out;
	}
	model_fuse_interrupt_group(rs->fuse, pid);
	ret = wait_command(rs, pid, timeout, &wstatus);
	model_fuse_interrupt_group(rs->fuse, 0);
	/* Whatever the command left behind in its group goes too. */
	kill(-pid, SIGINT);
	if (ret && ret != -ETIMEDOUT) {
		snprintf(err, errlen, "FUSE: %s", strerror(-ret));
		goto out;
	}
	n = read(fds[2], err, errlen - 1);
	if (n > 0) {
		err[n] = '\0';
		ret = -ENOEXEC;
		goto out;
	}
	if (ret)
		goto out;
	ret = take_output(fds[0], &res->out);
	if (!ret)
		ret = take_output(fds[1], &res->err);
	if (ret) {
		snprintf(err, errlen, "the command's output: %s", strerror(-ret));
		guest_result_free(res);
		goto out;
	}
	res->rc = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
out:
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

/* The run is over: its machine may be freed, and another one may later
 * get its address. */
static void run_done(struct memhp_guest_fallback *gf, struct machine *m)
{
	struct real_shell *rs = to_shell(gf);

	if (rs->m == m)
		unmount_tree(rs);
}

int memhp_real_shell_new(const struct memhp_real_shell_options *o,
			 struct memhp_guest_fallback **out, char *err, size_t errlen)
{
	const char *prefix = o && o->path_prefix && *o->path_prefix ? o->path_prefix : NULL;
	struct real_shell *rs;
	int ret;

	*out = NULL;
	ret = model_fuse_available(err, errlen);
	if (ret)
		return ret;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->hook.run = run_line;
	rs->hook.done = run_done;
	if (find_busybox(rs->shell, sizeof(rs->shell))) {
		rs->name = "busybox sh";
	} else {
		snprintf(rs->shell, sizeof(rs->shell), "/bin/sh");
		rs->name = "/bin/sh";
	}
	if (asprintf(&rs->path_env, "PATH=%s%s" SYSTEM_PATH, prefix ? prefix : "",
		     prefix ? ":" : "") < 0) {
		free(rs);
		return -ENOMEM;
	}
	ret = model_ns_enter(err, errlen);
	if (ret) {
		memhp_real_shell_free(&rs->hook);
		return ret;
	}
	*out = &rs->hook;
	return 0;
}

const char *memhp_real_shell_name(const struct memhp_guest_fallback *gf)
{
	return ((const struct real_shell *)gf)->name;
}

void memhp_real_shell_free(struct memhp_guest_fallback *gf)
{
	struct real_shell *rs = to_shell(gf);

	if (!rs)
		return;
	unmount_tree(rs);
	free(rs->path_env);
	free(rs);
}
