/* Scenario file parser. The format is described in the spec's
 * scenario-format.md; everything malformed is reported as "FILE:LINE: what
 * was expected" so that a user can fix the file without reading the source. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "readfile.h"
#include "strbuf.h"

/* Everything the parse needs besides the result: kept on the caller's stack
 * so that parsing has no global state. */
struct parser {
	struct scenario *sc;
	const char *path; /* as given, for messages */
	char *err;
	size_t errlen;
	int lineno;	  /* first physical line of the current logical line */
	const char *line; /* the current logical line, trimmed */
	size_t steps_cap, qemu_cap, lineno_cap;
	/* Lines that may appear once: where they were first seen, 0 if not yet. */
	int name_lineno, boot_lineno, guest_lineno;
	struct strbuf desc, cmdline;
};

/* Appends s separated by one space; empty pieces would only add spaces. */
static int strbuf_join(struct strbuf *b, const char *s)
{
	if (!*s)
		return 0;
	if (b->len)
		strbuf_addch(b, ' ');
	strbuf_add(b, s);
	return strbuf_error(b);
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, p->lineno);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A non-negative decimal number: "5", "0.5", "5.", ".5". Exponents, signs,
 * "inf" and hex are rejected even though strtod() takes them, and strtod()
 * is avoided because it follows the locale's decimal point. */
static bool parse_seconds(const char *s, size_t len, double *out)
{
	double mant = 0, scale = 1;
	bool digits = false, dot = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && !dot) {
			dot = true;
		} else if (isdigit((unsigned char)s[i])) {
			mant = mant * 10 + (s[i] - '0');
			if (dot)
				scale *= 10;
			digits = true;
		} else {
			return false;
		}
	}
	/* Dividing two exact integers once rounds correctly for usual inputs. */
	*out = mant / scale;
	return digits && isfinite(*out);
}

static int add_step(struct parser *p, enum scenario_step_kind kind, const char *arg,
		    struct scenario_step **out)
{
	struct scenario *sc = p->sc;
	struct scenario_step *st;

	if (array_grow(&sc->steps, &p->steps_cap, sc->nr_steps + 1, sizeof(*sc->steps)))
		return -ENOMEM;
	st = &sc->steps[sc->nr_steps];
	*st = (struct scenario_step){.kind = kind, .lineno = p->lineno};
	st->line = strdup(p->line);
	st->arg = arg ? strdup(arg) : NULL;
	if (!st->line || (arg && !st->arg)) {
		free(st->line);
		free(st->arg);
		return -ENOMEM;
	}
	sc->nr_steps++;
	if (out)
		*out = st;
	return 0;
}

/* Lines that may appear only once: a second one is more likely a mistake
 * than a deliberate override. */
static int check_once(struct parser *p, const char *what, int *seen)
{
	if (*seen)
		return fail(p, "%s: already given on line %d; expected it once", what, *seen);
	*seen = p->lineno;
	return 0;
}

static int parse_name(struct parser *p, const char *rest)
{
	int ret;

	if (!*rest)
		return fail(p, "name: expected a name");
	ret = check_once(p, "name", &p->name_lineno);
	if (ret)
		return ret;
	p->sc->name = strdup(rest);
	return p->sc->name ? 0 : -ENOMEM;
}

static int parse_description(struct parser *p, const char *rest)
{
	return strbuf_join(&p->desc, rest);
}

static int parse_cmdline(struct parser *p, const char *rest)
{
	return strbuf_join(&p->cmdline, rest);
}

static int parse_timeout(struct parser *p, const char *what, const char *rest, double *val,
			 int *seen)
{
	if (!parse_seconds(rest, strlen(rest), val))
		return fail(p, "%s: expected a number of seconds, got '%s'", what, rest);
	return check_once(p, what, seen);
}

static int parse_boot_timeout(struct parser *p, const char *rest)
{
	return parse_timeout(p, "boot-timeout", rest, &p->sc->boot_timeout, &p->boot_lineno);
}

static int parse_guest_timeout(struct parser *p, const char *rest)
{
	return parse_timeout(p, "guest-timeout", rest, &p->sc->guest_timeout, &p->guest_lineno);
}

static int add_qemu_arg(struct parser *p, const struct strbuf *w)
{
	struct scenario *sc = p->sc;
	char *arg = strndup(w->buf ? w->buf : "", w->len);

	if (!arg)
		return -ENOMEM;
	/* One slot more than the arguments for the NULL terminator. */
	if (array_grow(&sc->qemu_argv, &p->qemu_cap, sc->qemu_argc + 2, sizeof(*sc->qemu_argv)) ||
	    array_grow(&sc->qemu_arg_lineno, &p->lineno_cap, sc->qemu_argc + 2,
		       sizeof(*sc->qemu_arg_lineno)))
		goto nomem;
	sc->qemu_arg_lineno[sc->qemu_argc] = p->lineno;
	sc->qemu_argv[sc->qemu_argc++] = arg;
	sc->qemu_argv[sc->qemu_argc] = NULL;
	return 0;
nomem:
	free(arg);
	return -ENOMEM;
}

/* '...': everything up to the next single quote is literal, as in sh. */
static int single_quoted(struct parser *p, const char **pos, struct strbuf *w)
{
	const char *start = *pos + 1, *end = strchr(start, '\'');

	if (!end)
		return fail(p, "qemu: unterminated single quote; expected a closing '");
	*pos = end + 1;
	strbuf_addn(w, start, (size_t)(end - start));
	return strbuf_error(w);
}

/* "...": as in sh, a backslash escapes only " \ $ and `; elsewhere it is
 * kept, so that "a\b" stays a\b. */
static int double_quoted(struct parser *p, const char **pos, struct strbuf *w)
{
	const char *s = *pos + 1;
	int ret = 0;

	while (!ret && *s != '"') {
		if (!*s)
			return fail(p, "qemu: unterminated double quote; expected a closing \"");
		/* Check s[1] first: strchr() finds the terminating NUL too. */
		if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
			s++;
		strbuf_addch(w, *s++);
		ret = strbuf_error(w);
	}
	*pos = s + 1;
	return ret;
}

/* One shell word starting at *pos, which is not blank. */
static int qemu_word(struct parser *p, const char **pos, struct strbuf *w)
{
	const char *s = *pos;
	int ret = 0;

	while (!ret && *s && !isspace((unsigned char)*s)) {
		if (*s == '\'') {
			ret = single_quoted(p, &s, w);
		} else if (*s == '"') {
			ret = double_quoted(p, &s, w);
		} else if (*s == '\\') {
			if (!s[1])
				return fail(p, "qemu: expected a character after '\\'");
			strbuf_addch(w, s[1]);
			s += 2;
		} else {
			strbuf_addch(w, *s++);
		}
		ret = ret ? ret : strbuf_error(w);
	}
	*pos = s;
	return ret;
}

/* QEMU arguments are written as on a shell command line, so they are split
 * the way the shell would split them before QEMU saw them. */
static int parse_qemu(struct parser *p, const char *rest)
{
	struct strbuf word = {0};
	const char *s = rest;
	int ret = 0;

	for (s = skip_space(s); !ret && *s; s = skip_space(s)) {
		strbuf_reset(&word);
		ret = qemu_word(p, &s, &word);
		if (!ret)
			ret = add_qemu_arg(p, &word);
	}
	strbuf_release(&word);
	return ret;
}

/* Checked here so that a typo is reported with its line before anything
 * runs, not as a QMP error halfway through a run. Uses the same (lenient)
 * json-c parser as json_tokener_parse_verbose(), but also rejects text after
 * the object, which json_tokener_parse_verbose() silently ignores. */
static int parse_host(struct parser *p, const char *rest)
{
	struct json_tokener *tok = json_tokener_new();
	struct scenario_step *st = NULL;
	struct json_object *obj;
	enum json_tokener_error jerr;
	const char *end;
	size_t len, parsed;
	int ret;

	if (!tok)
		return -ENOMEM;
	/* An explicit length: with -1, json-c may count the terminating NUL
	 * as consumed when the text ends inside a string, and the parse end
	 * then lies past the buffer. */
	len = strlen(rest);
	if (len > INT_MAX) {
		json_tokener_free(tok);
		return fail(p, "host: expected a QMP command shorter than %d bytes", INT_MAX);
	}
	obj = json_tokener_parse_ex(tok, rest, (int)len);
	jerr = json_tokener_get_error(tok);
	parsed = json_tokener_get_parse_end(tok);
	end = skip_space(rest + (parsed < len ? parsed : len));
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) /* the line ended inside the object */
		jerr = json_tokener_error_parse_eof;
	if (!obj)
		ret = fail(p, "host: expected a QMP command as a JSON object (%s)",
			   json_tokener_error_desc(jerr));
	else if (!json_object_is_type(obj, json_type_object))
		ret = fail(p, "host: expected a QMP command as a JSON object, got a JSON %s",
			   json_type_to_name(json_object_get_type(obj)));
	else if (*end)
		ret = fail(p, "host: expected a QMP command as one JSON object, got '%s' after it",
			   end);
	else
		ret = add_step(p, STEP_HOST, rest, &st);
	/* The step keeps it: the model's run executes it as parsed here. */
	if (!ret && st) {
		st->cmd = obj;
		obj = NULL;
	}
	json_object_put(obj);
	return ret;
}

static int parse_guest(struct parser *p, const char *rest)
{
	if (!*rest)
		return fail(p, "guest: expected a command");
	return add_step(p, STEP_GUEST, rest, NULL);
}

/* guest[S]: cmd; rest is what follows "guest[". */
static int parse_guest_timed(struct parser *p, const char *rest)
{
	const char *close = strchr(rest, ']'), *cmd;
	struct scenario_step *st;
	double secs;
	size_t len;
	int ret;

	if (!close || close[1] != ':')
		return fail(p, "guest[S]: expected guest[SECONDS]: COMMAND");
	len = close - rest;
	trim(&rest, &len);
	if (!parse_seconds(rest, len, &secs) || secs <= 0)
		return fail(p, "guest[S]: expected a positive number of seconds, got '%.*s'",
			    (int)len, rest);
	cmd = skip_space(close + 2);
	if (!*cmd)
		return fail(p, "guest[S]: expected a command");
	ret = add_step(p, STEP_GUEST, cmd, &st);
	if (!ret)
		st->seconds = secs;
	return ret;
}

/* One settle token: "S", "timeout=S" or "quiet=S", each at most once;
 * set[] records which were given. */
static int settle_token(struct parser *p, const char *tok, size_t len, double val[3], bool set[3])
{
	static const char *const keys[] = {"", "timeout=", "quiet="};
	size_t k = 0, klen = 0;

	if (memchr(tok, '=', len)) {
		for (k = 1; k < 3; k++) {
			klen = strlen(keys[k]);
			if (len >= klen && !strncmp(tok, keys[k], klen))
				break;
		}
		if (k == 3)
			return fail(p, "settle: expected [S] [timeout=S] [quiet=S], got '%.*s'",
				    (int)len, tok);
	}
	if (!parse_seconds(tok + klen, len - klen, &val[k]))
		return fail(p, "settle: expected %s, got '%.*s'",
			    k ? (k == 1 ? "timeout=SECONDS" : "quiet=SECONDS")
			      : "a number of seconds",
			    (int)len, tok);
	if (set[k])
		return fail(p,
			    "settle: expected [S] [timeout=S] [quiet=S] at most once each, got "
			    "'%.*s' again",
			    (int)len, tok);
	set[k] = true;
	return 0;
}

static int parse_settle(struct parser *p, const char *rest)
{
	double val[3] = {0, 0, 0};
	bool set[3] = {false, false, false};
	struct scenario_step *st;
	const char *s = rest;
	int ret = 0;

	while (!ret && *s) {
		size_t len = strcspn(s, " \t\f\v\r\n");

		ret = settle_token(p, s, len, val, set);
		s = skip_space(s + len);
	}
	if (!ret)
		ret = add_step(p, STEP_SETTLE, NULL, &st);
	if (!ret) {
		st->seconds = val[0];
		st->timeout = val[1];
		st->quiet = val[2];
	}
	return ret;
}

/* Labels become directory names under --sysroot-out: no separators, and no
 * leading dot so that ".", ".." and hidden directories cannot appear (the
 * sysroot writer's temporary names start with one). ASCII only, whatever
 * the locale's isalnum() thinks. parse_snapshot() also bounds the length
 * to NAME_MAX, the longest name mkdir() takes. */
static bool valid_label(const char *s)
{
	if (!*s || *s == '.')
		return false;
	for (; *s; s++) {
		bool alnum = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			     (*s >= '0' && *s <= '9');

		if (!alnum && !strchr("._-", *s))
			return false;
	}
	return true;
}

static int parse_snapshot(struct parser *p, const char *rest)
{
	const struct scenario *sc = p->sc;

	if (!*rest)
		return fail(p, "snapshot: expected a label");
	if (!valid_label(rest))
		return fail(p,
			    "snapshot: expected a label of letters, digits, '.', '_' and '-', not "
			    "starting with '.', got '%s'",
			    rest);
	if (strlen(rest) > NAME_MAX)
		return fail(p, "snapshot: expected a label of at most %d bytes, got %zu", NAME_MAX,
			    strlen(rest));
	/* Two snapshots with one label would write the same directory. */
	for (size_t i = 0; i < sc->nr_steps; i++)
		if (sc->steps[i].kind == STEP_SNAPSHOT && !strcmp(sc->steps[i].arg, rest))
			return fail(
			    p,
			    "snapshot: label '%s' already used on line %d; expected a unique label",
			    rest, sc->steps[i].lineno);
	return add_step(p, STEP_SNAPSHOT, rest, NULL);
}

static int parse_sleep(struct parser *p, const char *rest)
{
	struct scenario_step *st;
	double secs;
	int ret;

	if (!*rest)
		return fail(p, "sleep: expected a number of seconds");
	if (!parse_seconds(rest, strlen(rest), &secs))
		return fail(p, "sleep: expected a number of seconds, got '%s'", rest);
	ret = add_step(p, STEP_SLEEP, NULL, &st);
	if (!ret)
		st->seconds = secs;
	return ret;
}

/* A prefix ending in ':' or '[' matches as is; a bare word must be followed
 * by a blank or the end, so that "sleepy" is not "sleep y". */
static const struct line_type {
	const char *prefix;
	int (*parse)(struct parser *p, const char *rest);
} line_types[] = {
    {"name:", parse_name},
    {"description:", parse_description},
    {"kernel-cmdline:", parse_cmdline},
    {"qemu:", parse_qemu},
    {"boot-timeout:", parse_boot_timeout},
    {"guest-timeout:", parse_guest_timeout},
    {"host:", parse_host},
    {"guest:", parse_guest},
    {"guest[", parse_guest_timed},
    {"settle", parse_settle},
    {"snapshot", parse_snapshot},
    {"sleep", parse_sleep},
};

static int parse_line(struct parser *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(line_types); i++) {
		const struct line_type *t = &line_types[i];
		size_t n = strlen(t->prefix);
		char last = t->prefix[n - 1];

		if (strncmp(p->line, t->prefix, n))
			continue;
		if (last != ':' && last != '[' && p->line[n] && !isspace((unsigned char)p->line[n]))
			continue;
		return t->parse(p, skip_space(p->line + n));
	}
	return fail(p,
		    "unknown line '%s'; expected one of name:, description:, kernel-cmdline:, "
		    "qemu:, boot-timeout:, guest-timeout:, host:, guest:, settle, snapshot, sleep",
		    p->line);
}

/* Splits off the next physical line, without its newline. */
static bool next_physical(const char **pos, const char **start, size_t *len)
{
	const char *nl;

	if (!**pos)
		return false;
	*start = *pos;
	nl = strchr(*pos, '\n');
	*len = nl ? (size_t)(nl - *pos) : strlen(*pos);
	*pos = nl ? nl + 1 : *pos + *len;
	return true;
}

/* Reads the next logical line into buf, skipping blank and comment lines and
 * joining continuations with one space. A comment ends at its own line, as in
 * sh, even if it ends in '\'. Blanks after a trailing '\' are ignored: they
 * are invisible and would otherwise silently break the continuation.
 * Returns 1 with p->lineno set (buf may be empty if only continuations of
 * blanks were found), 0 at the end of the text, or -errno. */
static int next_logical(struct parser *p, const char **pos, int *phys, struct strbuf *buf)
{
	bool got = false, more = false;
	const char *s;
	size_t len;

	strbuf_reset(buf);
	while (next_physical(pos, &s, &len)) {
		(*phys)++;
		trim(&s, &len);
		if (!more && (!len || *s == '#'))
			continue;
		if (!more)
			p->lineno = *phys;
		got = true;
		more = len && s[len - 1] == '\\';
		if (more) {
			len--;
			trim(&s, &len);
		}
		strbuf_addn(buf, s, len);
		if (more)
			strbuf_addch(buf, ' ');
		if (strbuf_error(buf))
			return -ENOMEM;
		if (!more)
			break;
	}
	if (more)
		return fail(p, "the line continues past the end of the file; expected another line "
			       "after the trailing '\\'");
	/* A continuation followed by a blank line leaves a trailing space. */
	while (buf->len && isspace((unsigned char)buf->buf[buf->len - 1]))
		buf->buf[--buf->len] = '\0';
	return got;
}

static int parse_lines(struct parser *p, const char *text)
{
	struct strbuf buf = {0};
	const char *pos = text;
	int phys = 0, ret;

	while ((ret = next_logical(p, &pos, &phys, &buf)) > 0) {
		if (!buf.len)
			continue;
		p->line = buf.buf;
		ret = parse_line(p);
		if (ret)
			break;
	}
	p->line = NULL;
	strbuf_release(&buf);
	return ret;
}

/* The default name is the file's base name without ".scn". */
static int default_name(struct scenario *sc)
{
	const char *base = strrchr(sc->path, '/');
	size_t len;

	base = base ? base + 1 : sc->path;
	len = strlen(base);
	if (len > 4 && !strcmp(base + len - 4, ".scn"))
		len -= 4;
	sc->name = strndup(base, len);
	return sc->name ? 0 : -ENOMEM;
}

/* Moves the joined texts into the result and fills in the defaults. */
static int finish(struct parser *p)
{
	struct scenario *sc = p->sc;

	if (p->desc.len && strbuf_detach(&p->desc, &sc->description))
		return -ENOMEM;
	/* An empty string rather than NULL: "no parameters" is a valid value. */
	if (strbuf_detach(&p->cmdline, &sc->kernel_cmdline))
		return -ENOMEM;
	return sc->name ? 0 : default_name(sc);
}

static struct scenario *scenario_new(const char *path)
{
	struct scenario *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->path = strdup(path);
	/* Always NULL-terminated, so an empty argv needs no special case. */
	sc->qemu_argv = calloc(1, sizeof(*sc->qemu_argv));
	if (!sc->path || !sc->qemu_argv) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

static void set_file_error(char *err, size_t errlen, const char *path, int e)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(e));
}

int scenario_parse_string(const char *path, const char *text, struct scenario **out, char *err,
			  size_t errlen)
{
	struct parser p = {.path = path, .err = err, .errlen = errlen};
	int ret;

	*out = NULL;
	if (!path) /* messages need a name */
		p.path = path = "<string>";
	p.sc = scenario_new(path);
	if (!p.sc) {
		set_file_error(err, errlen, path, ENOMEM);
		return -ENOMEM;
	}
	p.qemu_cap = 1;
	ret = parse_lines(&p, text);
	if (!ret)
		ret = finish(&p);
	strbuf_release(&p.desc);
	strbuf_release(&p.cmdline);
	if (ret) {
		/* fail() has written the message for every other error. */
		if (ret == -ENOMEM)
			set_file_error(err, errlen, path, ENOMEM);
		scenario_free(p.sc);
		return ret;
	}
	*out = p.sc;
	return 0;
}

int scenario_parse_file(const char *path, struct scenario **out, char *err, size_t errlen)
{
	char *text;
	int ret;

	*out = NULL;
	ret = read_text_file(path, INPUT_FILE_MAX, &text, err, errlen);
	if (ret)
		return ret;
	ret = scenario_parse_string(path, text, out, err, errlen);
	free(text);
	return ret;
}

int scenario_parse_step(const char *path, int lineno, const char *line, struct scenario_step *out,
			char *err, size_t errlen)
{
	struct parser p = {.path = path, .err = err, .errlen = errlen, .lineno = lineno};
	size_t len = strlen(line);
	char *trimmed;
	int ret;

	*out = (struct scenario_step){0};
	trim(&line, &len);
	trimmed = strndup(line, len);
	p.sc = scenario_new(path);
	if (!trimmed || !p.sc) {
		free(trimmed);
		scenario_free(p.sc);
		set_file_error(err, errlen, path, ENOMEM);
		return -ENOMEM;
	}
	p.qemu_cap = 1;
	p.line = trimmed;
	ret = parse_line(&p);
	if (!ret && p.sc->nr_steps != 1)
		ret =
		    fail(&p, "expected a step (host:, guest:, settle, snapshot or sleep), got '%s'",
			 trimmed);
	if (!ret) {
		/* The step changes hands; the scenario goes without it. */
		*out = p.sc->steps[0];
		p.sc->nr_steps = 0;
	} else if (ret == -ENOMEM) {
		set_file_error(err, errlen, path, ENOMEM);
	}
	strbuf_release(&p.desc);
	strbuf_release(&p.cmdline);
	scenario_free(p.sc);
	free(trimmed);
	return ret;
}

void scenario_step_release(struct scenario_step *st)
{
	free(st->line);
	free(st->arg);
	json_object_put(st->cmd);
	*st = (struct scenario_step){0};
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nr_steps; i++) {
		free(sc->steps[i].line);
		free(sc->steps[i].arg);
		json_object_put(sc->steps[i].cmd);
	}
	free(sc->steps);
	for (size_t i = 0; i < sc->qemu_argc; i++)
		free(sc->qemu_argv[i]);
	free(sc->qemu_argv);
	free(sc->qemu_arg_lineno);
	free(sc->path);
	free(sc->name);
	free(sc->description);
	free(sc->kernel_cmdline);
	free(sc);
}

const char *scenario_step_kind_name(enum scenario_step_kind kind)
{
	switch (kind) {
	case STEP_HOST:
		return "host";
	case STEP_GUEST:
		return "guest";
	case STEP_SETTLE:
		return "settle";
	case STEP_SNAPSHOT:
		return "snapshot";
	case STEP_SLEEP:
		return "sleep";
	}
	return "?";
}
