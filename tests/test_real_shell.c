/* memhp run --real-shell (lib/fuse/real_shell.c) through the public API:
 * guest lines outside the model's shell run in a real sh over the
 * model's FUSE tree, and print what the real guests printed (busybox ash
 * on Debian's 6.1 and 6.12 kernels, recorded with --backend qemu next to
 * the scenarios in tests/fuse/). Without the opt-in the lines are refused
 * as before; without FUSE the opt-in names what is missing. Exits 77
 * (skipped) where FUSE or mount namespaces are not available. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "memhp/memhp.h"

static const struct memhp_real_shell_options shell_opts = {.path_prefix = GUEST_DIR};

/* Runs FUSE_DIR/name.scn on the model, with the real shell if gf. */
static int run(const char *name, enum memhp_kernel k, struct memhp_guest_fallback *gf,
	       struct memhp_run **out, char *err, size_t errlen)
{
	struct memhp_run_options o = {.kernel = k, .guest_fallback = gf};
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.scn", FUSE_DIR, name);
	return memhp_run_file(path, &o, out, err, errlen);
}

static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "(none)";
	return json_object_get_string(v);
}

/* Every guest step's rc, stdout and stderr as the real guest's, and
 * memhp diff finds nothing else (QMP replies, snapshots). */
static void check_with(struct memhp_guest_fallback *gf, const char *name, enum memhp_kernel k,
		       const char *ks)
{
	struct json_object *real, *got, *rs, *gs;
	struct memhp_run *r;
	char path[512], err[1024] = "", *report = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.%s.json", FUSE_DIR, name, ks);
	assert_int_equal(memhp_json_load(path, &real, err, sizeof(err)), 0);
	if (run(name, k, gf, &r, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	got = memhp_run_result(r);
	assert_string_equal(member(got, "status"), member(real, "status"));
	assert_true(json_object_object_get_ex(real, "steps", &rs));
	assert_true(json_object_object_get_ex(got, "steps", &gs));
	n = json_object_array_length(rs);
	assert_int_equal(json_object_array_length(gs), n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(rs, i);
		struct json_object *b = json_object_array_get_idx(gs, i);

		if (strcmp(member(a, "kind"), "guest"))
			continue;
		assert_string_equal(member(b, "line"), member(a, "line"));
		assert_string_equal(member(b, "rc"), member(a, "rc"));
		assert_string_equal(member(b, "stdout"), member(a, "stdout"));
		assert_string_equal(member(b, "stderr"), member(a, "stderr"));
	}
	if (memhp_run_diff(real, "real", got, "model", &report))
		fail_msg("%s %s:\n%s", name, ks, report ? report : "");
	free(report);
	json_object_put(real);
	memhp_run_free(r);
}

static void check_against_real(const char *name, enum memhp_kernel k, const char *ks)
{
	struct memhp_guest_fallback *gf;
	char err[1024] = "";

	assert_int_equal(memhp_real_shell_new(&shell_opts, &gf, err, sizeof(err)), 0);
	check_with(gf, name, k, ks);
	memhp_real_shell_free(gf);
}

/* One shell for several runs: each run's machine gets its own tree, even
 * where a freed machine's address comes back. */
static void one_shell_runs(void **state)
{
	struct memhp_guest_fallback *gf;
	char err[1024] = "";

	(void)state;
	assert_int_equal(memhp_real_shell_new(&shell_opts, &gf, err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		check_with(gf, "real-shell", MEMHP_KERNEL_6_1, "6.1");
		check_with(gf, "real-shell-eintr", MEMHP_KERNEL_6_12, "6.12");
	}
	memhp_real_shell_free(gf);
}

static void real_shell_6_1(void **state)
{
	(void)state;
	check_against_real("real-shell", MEMHP_KERNEL_6_1, "6.1");
}

static void real_shell_6_12(void **state)
{
	(void)state;
	check_against_real("real-shell", MEMHP_KERNEL_6_12, "6.12");
}

static void eintr_6_1(void **state)
{
	(void)state;
	check_against_real("real-shell-eintr", MEMHP_KERNEL_6_1, "6.1");
}

static void eintr_6_12(void **state)
{
	(void)state;
	check_against_real("real-shell-eintr", MEMHP_KERNEL_6_12, "6.12");
}

/* Without the opt-in the first line outside the model's shell is refused
 * before anything runs, with the message it always had. */
static void refused_without_opt_in(void **state)
{
	static const char want[] =
	    "/real-shell.scn:12: guest command not supported: `for b in 40 41 42; do echo "
	    "online_movable > /sys/devices/system/memory/memory$b/state; done`: several commands "
	    "on one line; supported commands: echo VALUE > PATH, cat PATH..., ";
	struct memhp_run *r = NULL;
	char err[1024] = "", full[2048];

	(void)state;
	assert_int_equal(run("real-shell", MEMHP_KERNEL_6_12, NULL, &r, err, sizeof(err)), -EINVAL);
	assert_null(r);
	snprintf(full, sizeof(full), "%s%s", FUSE_DIR, want);
	assert_memory_equal(err, full, strlen(full));
}

/* The opt-in without FUSE names the device; nothing is set up. */
static void no_fuse(void **state)
{
	struct memhp_guest_fallback *gf = (void *)1;
	char err[256] = "";

	(void)state;
	setenv("MEMHP_DEV_FUSE", "/nonexistent/fuse", 1);
	assert_int_equal(memhp_real_shell_new(&shell_opts, &gf, err, sizeof(err)), -ENODEV);
	unsetenv("MEMHP_DEV_FUSE");
	assert_null(gf);
	assert_string_equal(err,
			    "/nonexistent/fuse: No such file or directory (FUSE is not available "
			    "here)");
}

/* Writes text to a new temporary .scn file. */
static void write_scn(char *path, size_t len, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/memhp-test-real-shell-XXXXXX.scn");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static struct json_object *guest_step(struct json_object *result, size_t i)
{
	struct json_object *steps;

	assert_true(json_object_object_get_ex(result, "steps", &steps));
	assert_true(i < json_object_array_length(steps));
	return json_object_array_get_idx(steps, i);
}

/* Bad lines are the shell's business: syntax errors, unknown commands,
 * a command killing itself, output past the 16 MiB limit, a command
 * that ignores the time-out's SIGINT (killed after 15 s more: the step
 * timed out, as on the QEMU backend); the run goes on after each. */
static void bad_lines(void **state)
{
	static const char text[] =
	    "qemu: -M pc -m 4G\n"
	    "guest: if then fi\n"
	    "guest: /nonexistent/command\n"
	    "guest: echo out; echo err >&2; kill -INT $$\n"
	    "guest: head -c 20000000 /dev/zero\n"
	    "guest[1]: trap '' INT; sleep 30\n"
	    "guest: echo $(cat /sys/devices/system/memory/block_size_bytes)\n";
	struct memhp_guest_fallback *gf;
	struct memhp_run_options o = {.kernel = MEMHP_KERNEL_6_12};
	struct json_object *res, *s;
	struct memhp_run *r;
	char path[64], err[1024] = "";

	(void)state;
	write_scn(path, sizeof(path), text);
	assert_int_equal(memhp_real_shell_new(&shell_opts, &gf, err, sizeof(err)), 0);
	o.guest_fallback = gf;
	if (memhp_run_file(path, &o, &r, err, sizeof(err)))
		fail_msg("%s", err);
	unlink(path);
	res = memhp_run_result(r);
	assert_string_equal(member(res, "status"), "step-errors");
	assert_string_equal(member(guest_step(res, 0), "rc"), "2");
	assert_string_equal(member(guest_step(res, 1), "rc"), "127");
	s = guest_step(res, 2);
	assert_string_equal(member(s, "rc"), "130");
	assert_string_equal(member(s, "stdout"), "out\n");
	assert_string_equal(member(s, "stderr"), "err\n");
	s = guest_step(res, 3);
	assert_string_equal(member(s, "rc"), "153");	  /* 128 + SIGXFSZ */
	assert_int_equal(strlen(member(s, "stdout")), 0); /* zeros: the string ends there */
	s = guest_step(res, 4);
	assert_string_equal(member(s, "rc"), "(none)");
	assert_string_equal(member(s, "error"), "timed out after 1 s");
	s = guest_step(res, 5);
	assert_string_equal(member(s, "rc"), "0");
	assert_string_equal(member(s, "stdout"), "8000000\n");
	memhp_run_free(r);
	memhp_real_shell_free(gf);
}

/* As tests/fuse/exec.sh: FUSE and a mount namespace must be usable. */
static bool fuse_usable(void)
{
	pid_t pid;
	int status;

	if (access("/dev/fuse", R_OK | W_OK))
		return false;
	pid = fork();
	if (pid == 0)
		_exit(unshare(geteuid() ? CLONE_NEWUSER | CLONE_NEWNS : CLONE_NEWNS) ? 1 : 0);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(refused_without_opt_in),
	    cmocka_unit_test(no_fuse),
	    cmocka_unit_test(real_shell_6_1),
	    cmocka_unit_test(real_shell_6_12),
	    cmocka_unit_test(eintr_6_1),
	    cmocka_unit_test(eintr_6_12),
	    cmocka_unit_test(one_shell_runs),
	    cmocka_unit_test(bad_lines),
	};

	if (!fuse_usable()) {
		printf("SKIP: FUSE or mount namespaces are not available\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
