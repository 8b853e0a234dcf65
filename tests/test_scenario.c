/* Unit tests for the scenario (.scn) parser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenario.h"

static struct scenario *parse_ok(const char *path, const char *text)
{
	struct scenario *sc = NULL;
	char err[512] = "";
	int ret = scenario_parse_string(path, text, &sc, err, sizeof(err));

	if (ret)
		fail_msg("unexpected error %d: %s", ret, err);
	assert_non_null(sc);
	return sc;
}

/* Step i of sc: its line number (unless lineno < 0), its joined line and
 * its argument (each unless NULL). A failure names the step and field. */
static void assert_step(const struct scenario *sc, size_t i, int lineno, const char *line,
			const char *arg)
{
	const struct scenario_step *st;

	if (i >= sc->nr_steps)
		fail_msg("step %zu: only %zu steps", i, sc->nr_steps);
	st = &sc->steps[i];
	if (lineno >= 0 && st->lineno != lineno)
		fail_msg("step %zu: line number %d, expected %d", i, st->lineno, lineno);
	if (line && strcmp(st->line, line))
		fail_msg("step %zu: line \"%s\", expected \"%s\"", i, st->line, line);
	if (arg && strcmp(st->arg, arg))
		fail_msg("step %zu: arg \"%s\", expected \"%s\"", i, st->arg, arg);
}

/* Every malformed input must fail with -EINVAL, return nothing, and say
 * exactly where and what was expected. */
static void expect_error(const char *text, const char *msg)
{
	struct scenario *sc = (struct scenario *)1;
	char err[512] = "";

	assert_int_equal(scenario_parse_string("t.scn", text, &sc, err, sizeof(err)), -EINVAL);
	assert_null(sc);
	assert_string_equal(err, msg);
}

static void test_all_line_types(void **state)
{
	static const char text[] = "# A scenario using every line type\n"
				   "name: everything\n"
				   "description: first part\n"
				   "kernel-cmdline: memhp_default_state=offline\n"
				   "qemu: -M q35 -m 4G,slots=4,maxmem=16G\n"
				   "boot-timeout: 120\n"
				   "guest-timeout: 2.5\n"
				   "host: {\"execute\": \"query-memory-devices\"}\n"
				   "guest: zones 40-47\n"
				   "guest[30]: setstate online_movable 40\n"
				   "settle 5 timeout=60 quiet=0.5\n"
				   "snapshot after-online\n"
				   "sleep 1.5\n";
	struct scenario *sc = parse_ok("dir/t.scn", text);
	const struct scenario_step *st = sc->steps;

	(void)state;
	assert_string_equal(sc->path, "dir/t.scn");
	assert_string_equal(sc->name, "everything");
	assert_string_equal(sc->description, "first part");
	assert_string_equal(sc->kernel_cmdline, "memhp_default_state=offline");
	assert_int_equal(sc->qemu_argc, 4);
	assert_string_equal(sc->qemu_argv[0], "-M");
	assert_string_equal(sc->qemu_argv[1], "q35");
	assert_string_equal(sc->qemu_argv[2], "-m");
	assert_string_equal(sc->qemu_argv[3], "4G,slots=4,maxmem=16G");
	assert_null(sc->qemu_argv[4]);
	assert_int_equal(sc->qemu_arg_lineno[0], 5);
	assert_int_equal(sc->qemu_arg_lineno[3], 5);
	assert_true(sc->boot_timeout == 120);
	assert_true(sc->guest_timeout == 2.5);
	assert_int_equal(sc->nr_steps, 6);

	assert_int_equal(st[0].kind, STEP_HOST);
	assert_int_equal(st[0].lineno, 8);
	assert_string_equal(st[0].line, "host: {\"execute\": \"query-memory-devices\"}");
	assert_string_equal(st[0].arg, "{\"execute\": \"query-memory-devices\"}");

	assert_int_equal(st[1].kind, STEP_GUEST);
	assert_int_equal(st[1].lineno, 9);
	assert_string_equal(st[1].arg, "zones 40-47");
	assert_true(st[1].seconds == 0);

	assert_int_equal(st[2].kind, STEP_GUEST);
	assert_string_equal(st[2].line, "guest[30]: setstate online_movable 40");
	assert_string_equal(st[2].arg, "setstate online_movable 40");
	assert_true(st[2].seconds == 30);

	assert_int_equal(st[3].kind, STEP_SETTLE);
	assert_int_equal(st[3].lineno, 11);
	assert_string_equal(st[3].line, "settle 5 timeout=60 quiet=0.5");
	assert_null(st[3].arg);
	assert_true(st[3].seconds == 5);
	assert_true(st[3].timeout == 60);
	assert_true(st[3].quiet == 0.5);

	assert_int_equal(st[4].kind, STEP_SNAPSHOT);
	assert_string_equal(st[4].arg, "after-online");
	assert_string_equal(st[4].line, "snapshot after-online");

	assert_int_equal(st[5].kind, STEP_SLEEP);
	assert_int_equal(st[5].lineno, 13);
	assert_null(st[5].arg);
	assert_true(st[5].seconds == 1.5);
	scenario_free(sc);
}

static void test_defaults(void **state)
{
	struct scenario *sc = parse_ok("some/dir/my-test.scn", "# nothing but a comment\n\n");

	(void)state;
	assert_string_equal(sc->name, "my-test");
	assert_null(sc->description);
	assert_string_equal(sc->kernel_cmdline, "");
	assert_int_equal(sc->qemu_argc, 0);
	assert_non_null(sc->qemu_argv);
	assert_null(sc->qemu_argv[0]);
	assert_true(sc->boot_timeout == 0);
	assert_true(sc->guest_timeout == 0);
	assert_int_equal(sc->nr_steps, 0);
	scenario_free(sc);
}

static void test_default_name(void **state)
{
	static const struct {
		const char *path, *name;
	} cases[] = {
	    {"a.scn", "a"},
	    {"/abs/path/b.scn", "b"},
	    {"no-suffix", "no-suffix"},
	    {"dir/c.scn.bak", "c.scn.bak"},
	    {"dir/d.SCN", "d.SCN"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scenario *sc = parse_ok(cases[i].path, "");

		assert_string_equal(sc->name, cases[i].name);
		scenario_free(sc);
	}
}

static void test_repeated_lines_join(void **state)
{
	static const char text[] = "description: one\n"
				   "description:   two   words  \n"
				   "description:\n"
				   "kernel-cmdline: movable_node\n"
				   "kernel-cmdline: memory_hotplug.online_policy=auto-movable\n"
				   "qemu: -m 4G\n"
				   "qemu: -smp 2\n";
	struct scenario *sc = parse_ok("t.scn", text);

	(void)state;
	assert_string_equal(sc->description, "one two   words");
	assert_string_equal(sc->kernel_cmdline,
			    "movable_node memory_hotplug.online_policy=auto-movable");
	assert_int_equal(sc->qemu_argc, 4);
	assert_string_equal(sc->qemu_argv[2], "-smp");
	assert_int_equal(sc->qemu_arg_lineno[1], 6);
	assert_int_equal(sc->qemu_arg_lineno[2], 7);
	scenario_free(sc);
}

static void test_continuation(void **state)
{
	static const char text[] = "qemu: -M pc \\\n"
				   "      -m 4G,slots=2,maxmem=8G\\\n"
				   "\t-smp 1\n"
				   "guest: setstate online \\\n"
				   "   40-47   \n"
				   "# a comment does not continue \\\n"
				   "sleep 1 \\   \n"
				   "\n"
				   "host: {\"execute\": \\\n"
				   "       \"query-memory-devices\"}\n";
	struct scenario *sc = parse_ok("t.scn", text);

	(void)state;
	assert_int_equal(sc->qemu_argc, 6);
	assert_string_equal(sc->qemu_argv[3], "4G,slots=2,maxmem=8G");
	assert_string_equal(sc->qemu_argv[4], "-smp");
	assert_int_equal(sc->qemu_arg_lineno[5], 1);
	assert_int_equal(sc->nr_steps, 3);
	assert_step(sc, 0, 4, "guest: setstate online 40-47", "setstate online 40-47");
	/* Blanks after the backslash, then a blank line ending the join. */
	assert_int_equal(sc->steps[1].kind, STEP_SLEEP);
	assert_step(sc, 1, 7, "sleep 1", NULL);
	assert_step(sc, 2, 9, NULL, "{\"execute\": \"query-memory-devices\"}");
	scenario_free(sc);
}

static void test_comments_and_blanks(void **state)
{
	static const char text[] = "\r\n"
				   "   # indented comment\n"
				   "\t\n"
				   "  name: spaced  \r\n"
				   "  snapshot a\r\n"
				   "sleep 2";
	struct scenario *sc = parse_ok("t.scn", text);

	(void)state;
	assert_string_equal(sc->name, "spaced");
	assert_int_equal(sc->nr_steps, 2);
	assert_step(sc, 0, 5, "snapshot a", "a");
	assert_step(sc, 1, 6, NULL, NULL);
	assert_true(sc->steps[1].seconds == 2);
	scenario_free(sc);
}

static void test_qemu_quoting(void **state)
{
	static const char text[] =
	    "qemu: plain 'single \"quoted\" $x \\n' \"double \\\"q\\\" \\\\ \\$ \\` \\n\""
	    " back\\ slash\\\"x mixed'a b'\"c d\"e '' \"\" \\'\n";
	static const char *const want[] = {
	    "plain",
	    "single \"quoted\" $x \\n",
	    "double \"q\" \\ $ ` \\n",
	    "back slash\"x",
	    "mixeda bc de",
	    "",
	    "",
	    "'",
	};
	struct scenario *sc = parse_ok("t.scn", text);

	(void)state;
	assert_int_equal(sc->qemu_argc, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sc->qemu_argc; i++)
		assert_string_equal(sc->qemu_argv[i], want[i]);
	assert_null(sc->qemu_argv[sc->qemu_argc]);
	scenario_free(sc);
}

static void test_many_qemu_args_and_steps(void **state)
{
	char text[8192] = "";
	struct scenario *sc;

	(void)state;
	/* Enough to make every array grow several times. */
	for (int i = 0; i < 100; i++) {
		char line[64];

		snprintf(line, sizeof(line), "qemu: -a%d -b%d\nsnapshot s%d\n", i, i, i);
		strcat(text, line);
	}
	sc = parse_ok("t.scn", text);
	assert_int_equal(sc->qemu_argc, 200);
	assert_string_equal(sc->qemu_argv[199], "-b99");
	assert_int_equal(sc->qemu_arg_lineno[199], 199);
	assert_null(sc->qemu_argv[200]);
	assert_int_equal(sc->nr_steps, 100);
	assert_step(sc, 99, 200, NULL, "s99");
	scenario_free(sc);
}

static void test_settle_forms(void **state)
{
	static const char text[] = "settle\n"
				   "settle quiet=2 timeout=10\n"
				   "settle   3\n"
				   "settle timeout=.5 7.\n";
	struct scenario *sc = parse_ok("t.scn", text);
	const struct scenario_step *st = sc->steps;

	(void)state;
	assert_int_equal(sc->nr_steps, 4);
	assert_true(st[0].seconds == 0 && st[0].timeout == 0 && st[0].quiet == 0);
	assert_true(st[1].seconds == 0 && st[1].timeout == 10 && st[1].quiet == 2);
	assert_true(st[2].seconds == 3 && st[2].timeout == 0 && st[2].quiet == 0);
	assert_true(st[3].seconds == 7 && st[3].timeout == 0.5);
	scenario_free(sc);
}

static void test_guest_and_snapshot_forms(void **state)
{
	static const char text[] = "guest[ 0.5 ]:   echo 1 > /sys/x   \n"
				   "guest:cat /proc/meminfo\n"
				   "snapshot A.b_c-9\n"
				   "snapshot 0\n"
				   "sleep 0\n"
				   "host:{}\n";
	struct scenario *sc = parse_ok("t.scn", text);
	const struct scenario_step *st = sc->steps;

	(void)state;
	assert_int_equal(sc->nr_steps, 6);
	assert_true(st[0].seconds == 0.5);
	assert_step(sc, 0, -1, "guest[ 0.5 ]:   echo 1 > /sys/x", "echo 1 > /sys/x");
	assert_step(sc, 1, -1, NULL, "cat /proc/meminfo");
	assert_step(sc, 2, -1, NULL, "A.b_c-9");
	assert_step(sc, 3, -1, NULL, "0");
	assert_int_equal(st[4].kind, STEP_SLEEP);
	assert_true(st[4].seconds == 0);
	assert_string_equal(st[5].arg, "{}");
	scenario_free(sc);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"name: a\n\n  foo bar  \n",
	     "t.scn:3: unknown line 'foo bar'; expected one of name:, description:, "
	     "kernel-cmdline:, qemu:, boot-timeout:, guest-timeout:, host:, guest:, settle, "
	     "snapshot, sleep"},
	    {"sleepy 1\n",
	     "t.scn:1: unknown line 'sleepy 1'; expected one of name:, description:, "
	     "kernel-cmdline:, qemu:, boot-timeout:, guest-timeout:, host:, guest:, settle, "
	     "snapshot, sleep"},
	    {"Name: x\n",
	     "t.scn:1: unknown line 'Name: x'; expected one of name:, description:, "
	     "kernel-cmdline:, qemu:, boot-timeout:, guest-timeout:, host:, guest:, settle, "
	     "snapshot, sleep"},
	    {"# c\n\nsleep x\n", "t.scn:3: sleep: expected a number of seconds, got 'x'"},
	    {"sleep\n", "t.scn:1: sleep: expected a number of seconds"},
	    {"sleep -1\n", "t.scn:1: sleep: expected a number of seconds, got '-1'"},
	    {"sleep 1 2\n", "t.scn:1: sleep: expected a number of seconds, got '1 2'"},
	    {"sleep 1e3\n", "t.scn:1: sleep: expected a number of seconds, got '1e3'"},
	    {"sleep .\n", "t.scn:1: sleep: expected a number of seconds, got '.'"},
	    {"name:\n", "t.scn:1: name: expected a name"},
	    {"name: a\nname: b\n", "t.scn:2: name: already given on line 1; expected it once"},
	    {"boot-timeout: soon\n",
	     "t.scn:1: boot-timeout: expected a number of seconds, got 'soon'"},
	    {"guest-timeout: 1\nguest-timeout: 2\n",
	     "t.scn:2: guest-timeout: already given on line 1; expected it once"},
	    {"guest-timeout: inf\n",
	     "t.scn:1: guest-timeout: expected a number of seconds, got 'inf'"},
	    {"host: [1, 2]\n",
	     "t.scn:1: host: expected a QMP command as a JSON object, got a JSON array"},
	    {"host: \"execute\"\n",
	     "t.scn:1: host: expected a QMP command as a JSON object, got a JSON string"},
	    {"host: {\"execute\": \n",
	     "t.scn:1: host: expected a QMP command as a JSON object (unexpected end of data)"},
	    {"host:\n",
	     "t.scn:1: host: expected a QMP command as a JSON object (unexpected end of data)"},
	    {"host: {\"a\" 1}\n", "t.scn:1: host: expected a QMP command as a JSON object "
				  "(object property name separator ':' expected)"},
	    {"host: {} {}\n",
	     "t.scn:1: host: expected a QMP command as one JSON object, got '{}' after it"},
	    {"guest:\n", "t.scn:1: guest: expected a command"},
	    {"guest[5]:   \n", "t.scn:1: guest[S]: expected a command"},
	    {"guest[0]: zones\n",
	     "t.scn:1: guest[S]: expected a positive number of seconds, got '0'"},
	    {"guest[]: zones\n",
	     "t.scn:1: guest[S]: expected a positive number of seconds, got ''"},
	    {"guest[x]: zones\n",
	     "t.scn:1: guest[S]: expected a positive number of seconds, got 'x'"},
	    {"guest[5] zones\n", "t.scn:1: guest[S]: expected guest[SECONDS]: COMMAND"},
	    {"settle x\n", "t.scn:1: settle: expected a number of seconds, got 'x'"},
	    {"settle timeout=x\n", "t.scn:1: settle: expected timeout=SECONDS, got 'timeout=x'"},
	    {"settle quiet=\n", "t.scn:1: settle: expected quiet=SECONDS, got 'quiet='"},
	    {"settle wait=1\n",
	     "t.scn:1: settle: expected [S] [timeout=S] [quiet=S], got 'wait=1'"},
	    {"settle 1 timeout=2 3\n", "t.scn:1: settle: expected [S] [timeout=S] [quiet=S] "
				       "at most once each, got '3' again"},
	    {"snapshot\n", "t.scn:1: snapshot: expected a label"},
	    {"snapshot .hidden\n",
	     "t.scn:1: snapshot: expected a label of letters, digits, '.', '_' and '-', not "
	     "starting with '.', got '.hidden'"},
	    {"snapshot a/b\n", "t.scn:1: snapshot: expected a label of letters, digits, '.', "
			       "'_' and '-', not starting with '.', got 'a/b'"},
	    {"snapshot a b\n", "t.scn:1: snapshot: expected a label of letters, digits, '.', "
			       "'_' and '-', not starting with '.', got 'a b'"},
	    {"snapshot x\nsleep 1\n# c\nsnapshot x\n",
	     "t.scn:4: snapshot: label 'x' already used on line 1; expected a unique label"},
	    {"qemu: -name 'abc\n",
	     "t.scn:1: qemu: unterminated single quote; expected a closing '"},
	    {"\nqemu: -name \"abc\\\"\n",
	     "t.scn:2: qemu: unterminated double quote; expected a closing \""},
	    /* The error is reported at the first physical line of the logical line. */
	    {"name: x\nqemu: -m 4G \\\n  -name 'oops\n",
	     "t.scn:2: qemu: unterminated single quote; expected a closing '"},
	    {"sleep 1\nguest: zones \\\n",
	     "t.scn:2: the line continues past the end of the file; expected another line "
	     "after the trailing '\\'"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].text, cases[i].msg);
}

static void test_error_buffer_small(void **state)
{
	struct scenario *sc = NULL;
	char err[8];

	(void)state;
	/* Truncated, but still NUL-terminated and no overflow. */
	assert_int_equal(scenario_parse_string("t.scn", "bogus\n", &sc, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.scn:1");
	assert_null(sc);
	assert_int_equal(scenario_parse_string("t.scn", "bogus\n", &sc, NULL, 0), -EINVAL);
}

/* A label names a directory under --sysroot-out: at most NAME_MAX (255)
 * bytes, or mkdir() fails with ENAMETOOLONG in the middle of the run. */
static void test_label_length(void **state)
{
	char text[300], label[257];
	struct scenario *sc = NULL;
	char err[256] = "";

	(void)state;
	memset(label, 'x', 256);
	label[255] = '\0';
	snprintf(text, sizeof(text), "# c\nsnapshot %s\n", label);
	assert_int_equal(scenario_parse_string("t.scn", text, &sc, err, sizeof(err)), 0);
	assert_string_equal(sc->steps[0].arg, label);
	scenario_free(sc);
	label[255] = 'x';
	label[256] = '\0';
	snprintf(text, sizeof(text), "# c\nsnapshot %s\n", label);
	assert_int_equal(scenario_parse_string("t.scn", text, &sc, err, sizeof(err)), -EINVAL);
	assert_null(sc);
	assert_string_equal(err,
			    "t.scn:2: snapshot: expected a label of at most 255 bytes, got 256");
}

/* Writes a comment line of `size` bytes in all to a new temporary .scn
 * file: a valid scenario of any size. */
static void write_comment_file(char *path, size_t size)
{
	char chunk[65536];
	int fd = mkstemps(path, 4);

	assert_true(fd >= 0);
	memset(chunk, '#', sizeof(chunk));
	chunk[0] = '\n';
	for (size_t done = 0; done < size;) {
		size_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);

		assert_true(write(fd, chunk, n) == (ssize_t)n);
		done += n;
	}
	assert_int_equal(close(fd), 0);
}

/* Input is bounded (readfile.h): a file one byte over 16 MiB is refused
 * with its name and the limit, one of exactly 16 MiB is read, and
 * /dev/zero, which never ends, is refused instead of read forever. */
static void test_parse_file_too_large(void **state)
{
	char path[] = "/tmp/test_scenario_XXXXXX.scn", err[512] = "", want[600];
	struct scenario *sc = NULL;

	(void)state;
	write_comment_file(path, (16u << 20) + 1);
	assert_int_equal(scenario_parse_file(path, &sc, err, sizeof(err)), -EFBIG);
	assert_null(sc);
	snprintf(want, sizeof(want),
		 "%s: larger than 16777216 bytes, the most memhp reads from a file", path);
	assert_string_equal(err, want);
	unlink(path);

	strcpy(path, "/tmp/test_scenario_XXXXXX.scn");
	write_comment_file(path, 16u << 20);
	assert_int_equal(scenario_parse_file(path, &sc, err, sizeof(err)), 0);
	assert_int_equal(sc->nr_steps, 0);
	scenario_free(sc);
	unlink(path);

	assert_int_equal(scenario_parse_file("/dev/zero", &sc, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "/dev/zero: larger than 16777216 bytes, the most memhp reads "
				 "from a file");
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/test_scenario_XXXXXX.scn";
	struct scenario *sc = NULL;
	char err[512] = "";
	const char *base;
	char want[64];
	int fd;

	(void)state;
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_true(write(fd, "snapshot one\n", 13) == 13);
	close(fd);
	assert_int_equal(scenario_parse_file(path, &sc, err, sizeof(err)), 0);
	base = strrchr(path, '/') + 1;
	snprintf(want, sizeof(want), "%.*s", (int)(strlen(base) - 4), base);
	assert_string_equal(sc->name, want);
	assert_string_equal(sc->path, path);
	assert_int_equal(sc->nr_steps, 1);
	scenario_free(sc);
	unlink(path);

	sc = (struct scenario *)1;
	assert_int_equal(scenario_parse_file(path, &sc, err, sizeof(err)), -ENOENT);
	assert_null(sc);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);
}

static void test_parse_file_error_location(void **state)
{
	char path[] = "/tmp/test_scenario_XXXXXX.scn";
	struct scenario *sc = NULL;
	char err[512] = "", want[600];
	int fd;

	(void)state;
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_true(write(fd, "name: x\nsleep x\n", 16) == 16);
	close(fd);
	assert_int_equal(scenario_parse_file(path, &sc, err, sizeof(err)), -EINVAL);
	assert_null(sc);
	snprintf(want, sizeof(want), "%s:2: sleep: expected a number of seconds, got 'x'", path);
	assert_string_equal(err, want);
	unlink(path);
}

/* A host: line that ends inside a JSON string. The line buffer grows in
 * powers of two, so lengths 63, 127, 255 fill it exactly: the parser once
 * read past its end (ASan: heap-buffer-overflow in skip_space). */
static void test_host_unterminated(void **state)
{
	static const char head[] = "host: {\"execute\": \"";
	char text[600];

	(void)state;
	for (size_t len = sizeof(head) - 1; len < 520; len++) {
		memcpy(text, head, sizeof(head) - 1);
		memset(text + sizeof(head) - 1, 'x', len - (sizeof(head) - 1));
		text[len] = '\0';
		expect_error(text, "t.scn:1: host: expected a QMP command as a JSON object "
				   "(unexpected end of data)");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_line_types), cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_default_name),   cmocka_unit_test(test_repeated_lines_join),
	    cmocka_unit_test(test_continuation),   cmocka_unit_test(test_comments_and_blanks),
	    cmocka_unit_test(test_qemu_quoting),   cmocka_unit_test(test_many_qemu_args_and_steps),
	    cmocka_unit_test(test_settle_forms),   cmocka_unit_test(test_guest_and_snapshot_forms),
	    cmocka_unit_test(test_errors),	   cmocka_unit_test(test_error_buffer_small),
	    cmocka_unit_test(test_label_length),   cmocka_unit_test(test_parse_file_too_large),
	    cmocka_unit_test(test_parse_file),	   cmocka_unit_test(test_parse_file_error_location),
	    cmocka_unit_test(test_host_unterminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
