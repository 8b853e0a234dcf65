/* The guest's shell, modelled after busybox ash and its applets, on top of
 * a vfs (the model's /sys and /proc, or any other). Only the few commands scenarios use
 * are modelled; everything else is reported as unsupported before anything
 * is read or written. */
#include "guest_shell.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "digits.h"
#include "linux_errno.h"
#include "strbuf.h"
#include "tool.h"
#include "vfs.h"

/* Exit status given with -EOPNOTSUPP (the guest never ran anything). */
#define RC_UNSUPPORTED 127

/* setstate's exit status: the number of failures, at most this. */
#define SETSTATE_MAX_RC 125

/* Model limits, not the guest's: block ids and how many blocks one command
 * may name (8 TiB of 128 MiB blocks). Beyond them the command is reported
 * as unsupported rather than run. */
#define MAX_BLOCK_ID	       0xffffffffUL
#define MAX_BLOCKS_PER_COMMAND 65536UL

/* The string (never NULL, possibly ""), handed over to the caller; NULL
 * if an allocation failed. */
static char *sb_take(struct strbuf *b)
{
	char *s;

	return strbuf_detach(b, &s) ? NULL : s;
}

__attribute__((format(printf, 1, 2))) static char *str_printf(const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sb_take(&sb);
}

/* strerror() of the guest's C library (glibc texts, "Unknown error N"). */
static const char *errtext(int err, char buf[static 32])
{
	if (linux_errno_known(err))
		return linux_strerror(err);
	snprintf(buf, 32, "Unknown error %d", err < 0 ? -err : err);
	return buf;
}

/* ---- the shell's state for one command ---- */

struct sh {
	const struct vfs *fs;
	const struct guest_syscalls *sys;
	const char *line; /* trimmed command line, for messages */
	struct strbuf out, err;
	int rc;
	struct strbuf why; /* why the command is outside the model */
	bool interrupted;  /* a write that only a signal ends: the time-out's SIGINT */
};

/* The guest runs every command under a time-out that sends SIGINT to its
 * process group (guest/timeout.c); a write the kernel would retry until
 * signalled (an offline that cannot migrate) ends the command there, killed:
 * status 130, nothing more printed. */
#define RC_SIGINT 130

static void interrupted(struct sh *sh)
{
	sh->interrupted = true;
	sh->rc = RC_SIGINT;
}

__attribute__((format(printf, 2, 3))) static int unsupported(struct sh *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sh->why, fmt, ap);
	va_end(ap);
	return sh->why.oom ? -ENOMEM : -EOPNOTSUPP;
}

/* ---- tokenizer: words, quotes and one output redirection ---- */

struct words {
	char **v;
	size_t n, cap;
};

static int words_push(struct words *w, char *s)
{
	/* One slot more for the NULL after the last word. */
	if (array_grow(&w->v, &w->cap, w->n + 2, sizeof(*w->v))) {
		free(s);
		return -ENOMEM;
	}
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
	return 0;
}

static int push_word(struct words *words, struct strbuf *w)
{
	char *s = sb_take(w);

	return s ? words_push(words, s) : -ENOMEM;
}

static void words_free(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	*w = (struct words){0};
}

struct cmd {
	struct words argv;
	char *redir; /* target of `>`, `1>` or `>|`, quotes removed; NULL if none */
};

/* Parse results besides 0 and negative errnos. */
#define PARSE_SYNTAX 1

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *operator_name(char c)
{
	switch (c) {
	case '|':
		return "pipelines and `||`";
	case '&':
		return "background jobs and `&&`";
	case ';':
	case '\n':
		return "several commands on one line";
	case '<':
		return "input redirection";
	case '(':
	case ')':
		return "subshells";
	case '$':
	case '`':
		return "parameter expansion and command substitution";
	case '*':
	case '?':
	case '[':
		return "filename globbing";
	}
	return "this shell syntax";
}

/* Reads one word at *pp into w (quotes removed), stopping at a blank, the end
 * or an unquoted `>`. *quoted tells whether any part of it was quoted or
 * escaped. Returns 0, -ENOMEM, -EOPNOTSUPP or PARSE_SYNTAX (*msg set). */
static int read_word(struct sh *sh, const char **pp, struct strbuf *w, bool *quoted, const char **msg)
{
	const char *p = *pp;

	*quoted = false;
	while (*p && !is_blank(*p) && *p != '>') {
		char c = *p;

		if (c == '\'') {
			const char *q = strchr(p + 1, '\'');

			if (!q) {
				*msg = "unterminated quoted string";
				return PARSE_SYNTAX;
			}
			strbuf_addn(w, p + 1, (size_t)(q - p - 1));
			*quoted = true;
			p = q + 1;
		} else if (c == '"') {
			p++;
			while (*p != '"') {
				if (!*p) {
					*msg = "unterminated quoted string";
					return PARSE_SYNTAX;
				}
				if (*p == '$' || *p == '`')
					return unsupported(sh, "%s", operator_name(*p));
				if (*p == '\\' && p[1] == '\n') {
					p += 2;
				} else if (*p == '\\' && p[1] && strchr("$`\"\\", p[1])) {
					strbuf_addch(w, p[1]);
					p += 2;
				} else {
					strbuf_addch(w, *p++);
				}
			}
			*quoted = true;
			p++;
		} else if (c == '\\') {
			if (p[1] == '\n') {
				p += 2;
			} else if (p[1]) {
				strbuf_addch(w, p[1]);
				*quoted = true;
				p += 2;
			} else {
				/* A lone trailing backslash is kept as it is. */
				strbuf_addch(w, *p++);
			}
		} else if (strchr("|&;<()$`*?[\n", c)) {
			return unsupported(sh, "%s", operator_name(c));
		} else if (c == '~' && w->len == 0 && !*quoted) {
			return unsupported(sh, "tilde expansion");
		} else {
			strbuf_addch(w, *p++);
		}
	}
	*pp = p;
	return w->oom ? -ENOMEM : 0;
}

static int parse(struct sh *sh, const char *line, struct cmd *cmd, const char **msg)
{
	const char *p = line;
	struct strbuf w = {0};
	bool quoted;
	int r;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return 0;

		r = read_word(sh, &p, &w, &quoted, msg);
		if (r)
			goto out;

		if (*p != '>') {
			r = push_word(&cmd->argv, &w);
			if (r)
				goto out;
			continue;
		}

		/* `>` right after a word: an io number (`1>`) or the end of an argument. */
		if (w.len && !quoted && all_digits(w.buf)) {
			if (strcmp(w.buf, "1")) {
				r = unsupported(sh, "redirection of file descriptor %s", w.buf);
				goto out;
			}
			strbuf_release(&w);
		} else if (w.len || quoted) {
			r = push_word(&cmd->argv, &w);
			if (r)
				goto out;
		}
		p++;
		if (*p == '>') {
			r = unsupported(sh, "appending redirection `>>`");
			goto out;
		}
		if (*p == '&') {
			r = unsupported(sh, "file descriptor duplication `>&`");
			goto out;
		}
		if (*p == '|')
			p++;
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#') {
			*msg = "unexpected newline";
			r = PARSE_SYNTAX;
			goto out;
		}
		if (*p == '>' || *p == '<') {
			*msg = "unexpected redirection";
			r = PARSE_SYNTAX;
			goto out;
		}
		r = read_word(sh, &p, &w, &quoted, msg);
		if (r)
			goto out;
		if (cmd->redir) {
			r = unsupported(sh, "more than one redirection");
			goto out;
		}
		cmd->redir = sb_take(&w);
		if (!cmd->redir) {
			r = -ENOMEM;
			goto out;
		}
	}
out:
	strbuf_release(&w);
	return r;
}

/* ---- paths ---- */

/* `path` without `//` and `/./`, in *out. The shell would hand such paths to
 * the kernel as they are; the vfs wants them canonical. Relative paths, `..`
 * and trailing slashes are outside the model. */
static int norm_path(struct sh *sh, const char *path, char **out)
{
	struct strbuf b = {0};
	const char *p = path;
	size_t len = strlen(path);

	*out = NULL;
	if (path[0] != '/')
		return unsupported(sh, "relative path '%s'", path);
	if (len > 1 && (path[len - 1] == '/' || (len > 2 && !strcmp(path + len - 2, "/."))))
		return unsupported(sh, "path with a trailing slash '%s'", path);
	while (*p) {
		const char *e;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if (e - p == 1 && p[0] == '.') {
			p = e;
			continue;
		}
		if (e - p == 2 && p[0] == '.' && p[1] == '.') {
			strbuf_release(&b);
			return unsupported(sh, "path with `..` '%s'", path);
		}
		strbuf_addch(&b, '/');
		strbuf_addn(&b, p, (size_t)(e - p));
		p = e;
	}
	if (!b.len)
		strbuf_addch(&b, '/');
	*out = sb_take(&b);
	return *out ? 0 : -ENOMEM;
}

static bool is_dir_type(enum vfs_type t)
{
	/* Symlinks in sysfs point to directories (memoryN/nodeK, node/nodeK/memoryN). */
	return t == VFS_DIR || t == VFS_LINK;
}

/* What open() says about the directories leading to canonical `path`:
 * 0 if they all exist, ENOENT if one is missing, ENOTDIR if one is a file.
 * -ENOMEM on allocation failure. */
static int parent_errno(const struct vfs *fs, const char *path)
{
	char *buf = strdup(path);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		enum vfs_type t;
		unsigned int mode = 0;

		*p = '\0';
		t = vfs_lookup(fs, buf, &mode);
		*p = '/';
		if (t == VFS_NONE) {
			ret = ENOENT;
			break;
		}
		if (t == VFS_FILE) {
			ret = ENOTDIR;
			break;
		}
	}
	free(buf);
	return ret;
}

/* ---- echo ---- */

/* `sh: can't create PATH: ...` and exit status 1. ash's redirectsafe()
 * returns 1 for a failed redirection of a (non-special) builtin such as
 * echo. Assumption to check against the real guest: rc 1, not 2. */
static void cant_create(struct sh *sh, const char *path, const char *why)
{
	strbuf_addf(&sh->err, "sh: can't create %s: %s\n", path, why);
	sh->rc = 1;
}

/* `echo ... > path` with `text` the bytes echo writes. The open() of the
 * redirection and echo's single write() are modelled separately: sysfs
 * refuses the open of a read-only attribute (EACCES from kernfs) and of a
 * new name (no create in sysfs: EACCES), the attribute's store() decides
 * the write. */
static int echo_to_file(struct sh *sh, const char *path, const char *text)
{
	char *norm;
	enum vfs_type t;
	unsigned int mode = 0;
	char ebuf[32];
	int r;

	r = norm_path(sh, path, &norm);
	if (r)
		return r;

	t = vfs_lookup(sh->fs, norm, &mode);
	switch (t) {
	case VFS_DIR:
		cant_create(sh, path, "Is a directory");
		goto out;
	case VFS_NONE:
		r = parent_errno(sh->fs, norm);
		if (r < 0)
			goto out;
		if (r == ENOENT)
			cant_create(sh, path, "nonexistent directory");
		else if (r == ENOTDIR)
			cant_create(sh, path, "Not a directory");
		else
			cant_create(sh, path, "Permission denied");
		r = 0;
		goto out;
	case VFS_FILE:
		if (!(mode & 0222)) {
			cant_create(sh, path, "Permission denied");
			goto out;
		}
		break;
	case VFS_LINK:
		break;
	}

	/* busybox echo does no write() at all for empty output (`echo -n >f`):
	 * the open succeeded, nothing is stored. */
	if (!*text)
		goto out;

	r = vfs_write(sh->fs, norm, text);
	if (r >= 0) {
		r = 0;
		goto out;
	}
	switch (r) {
	case -EINTR:
		interrupted(sh);
		break;
	case -EACCES:
	case -ENOENT:
		/* Refused at open(): read-only, or a name sysfs cannot create. */
		cant_create(sh, path, "Permission denied");
		break;
	case -EISDIR:
	case -ENOTDIR:
		cant_create(sh, path, linux_strerror(r));
		break;
	default:
		strbuf_addf(&sh->err, "sh: write error: %s\n", errtext(r, ebuf));
		sh->rc = 1;
		break;
	}
	r = 0;
out:
	free(norm);
	return r;
}

/* busybox echo: leading arguments made only of the letters n, e, E (after a
 * `-`) are options; -n drops the newline, -e enables backslash escapes. */
static int cmd_echo(struct sh *sh, char **argv, const char *redir)
{
	struct strbuf text = {0};
	char *buf;
	bool nflag = false, eflag = false;
	size_t i = 1;
	int r;

	for (; argv[i] && argv[i][0] == '-'; i++) {
		const char *a = argv[i] + 1;
		bool n = nflag, e = eflag;

		if (!*a)
			break;
		for (; *a; a++) {
			if (*a == 'n')
				n = true;
			else if (*a == 'e')
				e = true;
			else if (*a != 'E')
				break;
		}
		if (*a)
			break;
		nflag = n;
		eflag = e;
	}
	for (size_t j = i; eflag && argv[j]; j++)
		if (strchr(argv[j], '\\'))
			return unsupported(sh, "backslash escapes of `echo -e`");

	for (size_t j = i; argv[j]; j++) {
		if (j > i)
			strbuf_addch(&text, ' ');
		strbuf_add(&text, argv[j]);
	}
	if (!nflag)
		strbuf_addch(&text, '\n');
	buf = sb_take(&text);
	if (!buf)
		return -ENOMEM;

	if (redir) {
		r = echo_to_file(sh, redir, buf);
	} else {
		strbuf_add(&sh->out, buf);
		r = 0;
	}
	free(buf);
	return r;
}

/* ---- cat ---- */

static int cmd_cat(struct sh *sh, char **argv)
{
	char **norm;
	size_t n = 0;
	int r = 0;

	if (!argv[1])
		return unsupported(sh, "`cat` without a file (it would read standard input)");
	for (size_t i = 1; argv[i]; i++, n++)
		if (argv[i][0] == '-')
			return unsupported(sh, "`cat` option or standard input '%s'", argv[i]);

	norm = calloc(n, sizeof(*norm));
	if (!norm)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = norm_path(sh, argv[i + 1], &norm[i]);
		if (r)
			goto out;
	}

	for (size_t i = 0; i < n; i++) {
		const char *path = argv[i + 1];
		char *buf = NULL;
		char ebuf[32];

		r = vfs_read(sh->fs, norm[i], &buf);
		if (r >= 0) {
			strbuf_add(&sh->out, buf ? buf : "");
			free(buf);
			continue;
		}
		free(buf);
		switch (r) {
		case -ENOMEM:
			goto out; /* the model's own allocation failed */
		case -ENOENT:
			r = parent_errno(sh->fs, norm[i]);
			if (r < 0)
				goto out;
			strbuf_addf(&sh->err, "cat: can't open '%s': %s\n", path,
				  r == ENOTDIR ? "Not a directory" : "No such file or directory");
			break;
		case -ENOTDIR:
		case -EACCES:
		case -ELOOP:
			strbuf_addf(&sh->err, "cat: can't open '%s': %s\n", path, linux_strerror(r));
			break;
		default:
			/* Open succeeded, read() failed: a directory, or show() failed. */
			strbuf_addf(&sh->err, "cat: read error: %s\n", errtext(r, ebuf));
			break;
		}
		sh->rc = 1;
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(norm[i]);
	free(norm);
	return r;
}

/* ---- memory blocks ---- */

struct block_range {
	unsigned long first, last;
};

static int parse_block_id(const char *s, size_t len, unsigned long *id)
{
	uint64_t v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > MAX_BLOCK_ID)
			return -ERANGE;
	}
	*id = (unsigned long)v;
	return 0;
}

/* BLOCK arguments (`N` or `A-B`, A <= B) into *ranges. Returns 0,
 * -EINVAL (usage error), -ENOMEM or -EOPNOTSUPP. */
static int parse_blocks(struct sh *sh, char **args, struct block_range **ranges, size_t *nr)
{
	struct block_range *rg;
	unsigned long total = 0;
	size_t n = 0;

	while (args[n])
		n++;
	*ranges = NULL;
	*nr = 0;
	rg = calloc(n ? n : 1, sizeof(*rg));
	if (!rg)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i];
		const char *dash = strchr(a, '-');
		int r;

		if (dash) {
			r = parse_block_id(a, (size_t)(dash - a), &rg[i].first);
			if (!r)
				r = parse_block_id(dash + 1, strlen(dash + 1), &rg[i].last);
		} else {
			r = parse_block_id(a, strlen(a), &rg[i].first);
			rg[i].last = rg[i].first;
		}
		if (r == -ERANGE) {
			free(rg);
			return unsupported(sh, "block number above %lu in '%s'", MAX_BLOCK_ID, a);
		}
		if (r || rg[i].first > rg[i].last) {
			free(rg);
			return -EINVAL;
		}
		total += rg[i].last - rg[i].first + 1;
		if (total > MAX_BLOCKS_PER_COMMAND) {
			free(rg);
			return unsupported(sh, "more than %lu blocks in one command",
					   MAX_BLOCKS_PER_COMMAND);
		}
	}
	*ranges = rg;
	*nr = n;
	return 0;
}

static char *block_dir(unsigned long id)
{
	return str_printf(MEMORY_DIR "/memory%lu", id);
}

static bool block_attr_exists(const struct vfs *fs, const char *path)
{
	unsigned int mode = 0;

	return vfs_lookup(fs, path, &mode) != VFS_NONE;
}

static bool block_exists(const struct vfs *fs, const char *dir)
{
	unsigned int mode = 0;

	return is_dir_type(vfs_lookup(fs, dir, &mode));
}

/* dir/name without its trailing newline into *val; "" if it cannot be read. */
static int read_attr(const struct vfs *fs, const char *dir, const char *name, char **val)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char path[512], *buf = NULL;
	size_t len;
	int r = -ENAMETOOLONG;

	*val = NULL;
	/* Joined by hand: this runs for every block a command shows. */
	if (dl + 1 + nl < sizeof(path)) {
		memcpy(path, dir, dl);
		path[dl] = '/';
		memcpy(path + dl + 1, name, nl + 1);
		r = vfs_read(fs, path, &buf);
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !buf) {
		free(buf);
		buf = strdup("");
		if (!buf)
			return -ENOMEM;
	}
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	*val = buf;
	return 0;
}

struct block_status {
	char *state, *zones;
};

static int read_status(const struct vfs *fs, const char *dir, struct block_status *st)
{
	int r;

	st->zones = NULL;
	r = read_attr(fs, dir, "state", &st->state);
	if (r)
		return r;
	r = read_attr(fs, dir, "valid_zones", &st->zones);
	if (r) {
		free(st->state);
		st->state = NULL;
	}
	return r;
}

static void free_status(struct block_status *st)
{
	free(st->state);
	free(st->zones);
	st->state = st->zones = NULL;
}

static int setstate_one(struct sh *sh, unsigned long id, const char *attr, const char *value,
			bool *failed)
{
	struct block_status before = {0}, after = {0};
	char *dir, *path = NULL, *buf = NULL;
	char ebuf[32];
	int r, w;

	*failed = true;
	dir = block_dir(id);
	if (!dir)
		return -ENOMEM;
	if (!block_exists(sh->fs, dir)) {
		strbuf_addf(&sh->out, "memory%lu: no such block\n", id);
		free(dir);
		return 0;
	}
	r = -ENOMEM;
	path = str_printf("%s/%s", dir, attr);
	buf = str_printf("%s\n", value);
	if (!path || !buf)
		goto out;
	r = read_status(sh->fs, dir, &before);
	if (r)
		goto out;
	/* The write opens ATTR for writing: sysfs cannot create a file, so a
	 * missing one fails the open with EACCES, as "can't create" does. */
	w = block_attr_exists(sh->fs, path) ? vfs_write(sh->fs, path, buf) : -EACCES;
	if (w == -EINTR) {
		interrupted(sh);
		goto out;
	}
	r = read_status(sh->fs, dir, &after);
	if (r)
		goto out;

	strbuf_addf(&sh->out, "memory%lu %s [%s] %s=%s: ", id, before.state, before.zones, attr,
		  value);
	if (w >= 0) {
		strbuf_add(&sh->out, "ok");
		*failed = false;
	} else {
		strbuf_addf(&sh->out, "FAILED: %s", errtext(w, ebuf));
	}
	strbuf_addf(&sh->out, " -> %s [%s]\n", after.state, after.zones);
out:
	free_status(&before);
	free_status(&after);
	free(buf);
	free(path);
	free(dir);
	return r;
}

/* setstate [-a ATTR] VALUE BLOCK... */
static int cmd_setstate(struct sh *sh, char **argv)
{
	const char *attr = "state", *value;
	struct block_range *rg = NULL;
	unsigned long fails = 0;
	size_t nr = 0, i = 1;
	int r;

	if (argv[i] && !strcmp(argv[i], "-a")) {
		if (!argv[i + 1] || !argv[i + 1][0])
			goto usage;
		attr = argv[i + 1];
		i += 2;
	}
	if (!argv[i] || !argv[i + 1])
		goto usage;
	value = argv[i];
	r = parse_blocks(sh, argv + i + 1, &rg, &nr);
	if (r == -EINVAL)
		goto usage;
	if (r)
		return r;

	for (size_t k = 0; k < nr; k++) {
		for (unsigned long id = rg[k].first;; id++) {
			bool failed;

			r = setstate_one(sh, id, attr, value, &failed);
			if (r || sh->interrupted)
				goto out;
			fails += failed;
			if (id == rg[k].last)
				break;
		}
	}
	sh->rc = fails > SETSTATE_MAX_RC ? SETSTATE_MAX_RC : (int)fails;
	r = 0;
out:
	free(rg);
	return r;

usage:
	strbuf_add(&sh->err, "setstate: usage: setstate [-a ATTR] VALUE BLOCK...\n");
	sh->rc = 2;
	return 0;
}

/* node<digits> */
static bool is_node_name(const char *s)
{
	return !strncmp(s, "node", 4) && all_digits(s + 4);
}

static int zones_one(struct sh *sh, unsigned long id)
{
	struct block_status st = {0};
	char **names = NULL;
	const char *node = "node?";
	char *dir;
	int r;

	dir = block_dir(id);
	if (!dir)
		return -ENOMEM;
	if (!block_exists(sh->fs, dir)) {
		strbuf_addf(&sh->out, "memory%lu: no such block\n", id);
		sh->rc = 1;
		free(dir);
		return 0;
	}
	r = read_status(sh->fs, dir, &st);
	if (r)
		goto out;
	r = vfs_list(sh->fs, dir, &names);
	if (r == -ENOMEM)
		goto out;
	if (r >= 0 && names) {
		for (char **p = names; *p; p++) {
			if (is_node_name(*p)) {
				node = *p;
				break;
			}
		}
	}
	strbuf_addf(&sh->out, "memory%lu %s [%s] %s\n", id, st.state, st.zones, node);
	r = 0;
out:
	if (names)
		vfs_free_list(names);
	free_status(&st);
	free(dir);
	return r;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* All memoryN of MEMORY_DIR, ascending by N, into *ids. */
static int list_blocks(struct sh *sh, unsigned long **ids, size_t *nr)
{
	char **names = NULL;
	unsigned long *v;
	size_t n = 0, k = 0;
	char ebuf[32];
	int r;

	*ids = NULL;
	*nr = 0;
	r = vfs_list(sh->fs, MEMORY_DIR, &names);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !names) {
		strbuf_addf(&sh->err, "zones: %s: %s\n", MEMORY_DIR,
			  errtext(r < 0 ? r : -ENOENT, ebuf));
		sh->rc = 1;
		if (names)
			vfs_free_list(names);
		return 0;
	}
	while (names[n])
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		vfs_free_list(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = names[i];

		if (strncmp(s, "memory", 6) || parse_block_id(s + 6, strlen(s + 6), &v[k]))
			continue;
		k++;
	}
	vfs_free_list(names);
	qsort(v, k, sizeof(*v), cmp_ulong);
	*ids = v;
	*nr = k;
	return 0;
}

/* zones [BLOCK...] */
static int cmd_zones(struct sh *sh, char **argv)
{
	struct block_range *rg = NULL;
	unsigned long *ids = NULL;
	size_t nr = 0;
	int r = 0;

	if (!argv[1]) {
		r = list_blocks(sh, &ids, &nr);
		for (size_t i = 0; !r && i < nr; i++)
			r = zones_one(sh, ids[i]);
		free(ids);
		return r;
	}

	r = parse_blocks(sh, argv + 1, &rg, &nr);
	if (r == -EINVAL) {
		strbuf_add(&sh->err, "zones: usage: zones [BLOCK...]\n");
		sh->rc = 2;
		return 0;
	}
	for (size_t k = 0; !r && k < nr; k++) {
		for (unsigned long id = rg[k].first;; id++) {
			r = zones_one(sh, id);
			if (r || id == rg[k].last)
				break;
		}
	}
	free(rg);
	return r;
}

/* ---- load (guest/load.c) ---- */

#define LOAD_USAGE                                                                                 \
	"load: usage: load movable|unmovable|pin|hugetlb NAME SIZE|COUNT [node=N]; load free NAME\n"

static int load_usage(struct sh *sh)
{
	strbuf_add(&sh->err, LOAD_USAGE);
	sh->rc = 2;
	return 0;
}

static bool load_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* SIZE: decimal with an optional K, M, G or T (powers of 1024), a
 * multiple of 4 KiB; COUNT (hugetlb): decimal 2 MiB pages. */
static bool load_size(const char *s, bool count, uint64_t *bytes)
{
	uint64_t v = 0, mul = 1;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (!count && *s) {
		const char *units = "KMGT", *u = strchr(units, *s);

		if (!u || s[1])
			return false;
		mul = 1ULL << (10 * (u - units + 1));
		s++;
	}
	if (*s || !v)
		return false;
	if (count)
		mul = 2ULL << 20;
	if (v > UINT64_MAX / mul)
		return false;
	*bytes = v * mul;
	return *bytes % 4096 == 0;
}

/* `memhp TOOL ...`: the static memhp of the guest's initramfs
 * (guest/memhp.c), whose tools are the library's, run here on the same
 * tree. The guest is a live machine to them, and commands run as root. */
static int cmd_memhp(struct sh *sh, char **argv)
{
	const struct tool *tool = argv[1] ? tool_find(argv[1]) : NULL;
	struct tool_ctx t = {.fs = sh->fs,
			     .out = &sh->out,
			     .err = &sh->err,
			     .live = true,
			     .root = true,
			     .host_paths_forbidden = true};
	int argc = 0;

	if (!tool)
		return unsupported(sh, "`memhp` runs one of its memory tools: online, offline, "
				       "configure, doctor");
	while (argv[argc + 1])
		argc++;
	sh->rc = tool->main(&t, argc, argv + 1);
	if (t.host_path_refused)
		return unsupported(sh, "it names a file (--sysroot, --config) of the guest, which "
				       "the model does not have");
	if (t.interrupted) {
		/* Killed by the time-out's SIGINT: its buffered output is lost. */
		strbuf_reset(&sh->out);
		strbuf_reset(&sh->err);
		interrupted(sh);
	}
	return 0;
}

static int cmd_load(struct sh *sh, char **argv)
{
	static const char *const kinds[] = {"movable", "unmovable", "pin", "hugetlb"};
	size_t argc = 0;
	int nid = -1, r;
	uint64_t bytes;
	long kind = -1;

	if (!sh->sys)
		return unsupported(sh, "`load` needs the model's kernel");
	while (argv[argc])
		argc++;
	if (argc == 3 && !strcmp(argv[1], "free")) {
		if (!load_name_ok(argv[2]))
			return load_usage(sh);
		r = sh->sys->load_free(sh->sys->ctx, argv[2]);
		goto done;
	}
	for (size_t i = 0; argc >= 4 && i < 4; i++)
		if (!strcmp(argv[1], kinds[i]))
			kind = (long)i;
	if (kind < 0 || argc > 5 || !load_name_ok(argv[2]) ||
	    !load_size(argv[3], kind == GUEST_LOAD_HUGETLB, &bytes))
		return load_usage(sh);
	if (argc == 5) {
		char *end;
		long n;

		if (strncmp(argv[4], "node=", 5) || kind == GUEST_LOAD_PIN)
			return load_usage(sh);
		errno = 0;
		n = strtol(argv[4] + 5, &end, 10);
		if (errno || end == argv[4] + 5 || *end || n < 0 || n > 1023)
			return load_usage(sh);
		nid = (int)n;
	}
	r = sh->sys->load(sh->sys->ctx, (enum guest_load_kind)kind, argv[2], bytes, nid);
done:
	if (r) {
		char buf[32];

		strbuf_addf(&sh->err, "load: %s: %s\n", argv[2], errtext(r, buf));
		sh->rc = 1;
	}
	return 0;
}

/* ---- entry points ---- */

static int run(struct sh *sh)
{
	struct cmd cmd = {0};
	const char *msg = NULL;
	const char *name;
	int r;

	r = parse(sh, sh->line, &cmd, &msg);
	if (r == PARSE_SYNTAX) {
		strbuf_addf(&sh->err, "sh: syntax error: %s\n", msg);
		sh->rc = 2;
		r = 0;
		goto out;
	}
	if (r)
		goto out;

	if (!cmd.argv.n) {
		if (cmd.redir)
			r = unsupported(sh, "a redirection without a command");
		goto out; /* an empty line or a comment */
	}
	name = cmd.argv.v[0];
	if (cmd.redir && strcmp(name, "echo")) {
		r = unsupported(sh, "redirecting the output of `%s`", name);
		goto out;
	}
	if (!strcmp(name, "echo"))
		r = cmd_echo(sh, cmd.argv.v, cmd.redir);
	else if (!strcmp(name, "cat"))
		r = cmd_cat(sh, cmd.argv.v);
	else if (!strcmp(name, "setstate"))
		r = cmd_setstate(sh, cmd.argv.v);
	else if (!strcmp(name, "zones"))
		r = cmd_zones(sh, cmd.argv.v);
	else if (!strcmp(name, "load"))
		r = cmd_load(sh, cmd.argv.v);
	else if (!strcmp(name, "memhp"))
		r = cmd_memhp(sh, cmd.argv.v);
	else
		r = unsupported(sh, "`%s` is not a modelled command", name);
out:
	words_free(&cmd.argv);
	free(cmd.redir);
	return r;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int guest_shell_run(const struct vfs *fs, const char *cmdline, struct guest_result *res)
{
	return guest_shell_run_sys(fs, NULL, cmdline, res);
}

int guest_shell_run_sys(const struct vfs *fs, const struct guest_syscalls *sys, const char *cmdline,
			struct guest_result *res)
{
	struct sh sh = {.fs = fs, .sys = sys};
	const char *b, *e;
	char *line;
	int r;

	if (!res)
		return -EINVAL;
	*res = (struct guest_result){0};
	if (!cmdline)
		return -EINVAL;

	for (b = cmdline; is_space(*b); b++)
		;
	for (e = b + strlen(b); e > b && is_space(e[-1]); e--)
		;
	line = malloc((size_t)(e - b) + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, b, (size_t)(e - b));
	line[e - b] = '\0';
	sh.line = line;

	r = run(&sh);
	if (r == -EOPNOTSUPP) {
		/* Nothing of the guest's output counts: the command did not run. */
		strbuf_release(&sh.out);
		strbuf_release(&sh.err);
		strbuf_addf(&sh.err,
			    "guest command not supported: `%s`: %s; supported commands: %s", line,
			    sh.why.buf ? sh.why.buf : "unknown", GUEST_SHELL_COMMANDS);
		sh.rc = RC_UNSUPPORTED;
	}
	if (r == 0 || r == -EOPNOTSUPP) {
		res->rc = sh.rc;
		res->out = sb_take(&sh.out);
		res->err = sb_take(&sh.err);
		if (!res->out || !res->err) {
			guest_result_free(res);
			r = -ENOMEM;
		}
	}
	strbuf_release(&sh.out);
	strbuf_release(&sh.err);
	strbuf_release(&sh.why);
	free(line);
	return r;
}

/* ---- checking a line before a run ---- */

static enum vfs_type empty_lookup(const void *ctx, const char *path, unsigned int *mode)
{
	(void)ctx, (void)path, (void)mode;
	return VFS_NONE;
}

static int empty_read(const void *ctx, const char *path, char **out)
{
	(void)ctx, (void)path, (void)out;
	return -ENOENT;
}

static int empty_write(void *wctx, const char *path, const char *buf)
{
	(void)wctx, (void)path, (void)buf;
	return -ENOENT;
}

static int empty_list(const void *ctx, const char *path, char ***names)
{
	(void)ctx, (void)path, (void)names;
	return -ENOENT;
}

/* A tree with nothing in it: every command runs its parsing and path
 * checks, and fails where it would touch a file. */
static const struct vfs_ops empty_ops = {
    .lookup = empty_lookup,
    .read = empty_read,
    .write = empty_write,
    .list = empty_list,
    .readlink = empty_read,
};

static int check_load(void *ctx, enum guest_load_kind kind, const char *name, uint64_t bytes,
		      int nid)
{
	(void)ctx, (void)kind, (void)name, (void)bytes, (void)nid;
	return 0;
}

static int check_load_free(void *ctx, const char *name)
{
	(void)ctx, (void)name;
	return 0;
}

int guest_shell_check(const char *cmdline, char **why)
{
	static char nothing;
	static const struct guest_syscalls sys = {.load = check_load, .load_free = check_load_free};
	const struct vfs empty = {.ops = &empty_ops, .ctx = &nothing, .wctx = &nothing};
	struct guest_result res = {0};
	int r = guest_shell_run_sys(&empty, &sys, cmdline, &res);

	*why = NULL;
	if (r == -EOPNOTSUPP) {
		*why = res.err;
		res.err = NULL;
	}
	guest_result_free(&res);
	return r;
}

void guest_result_free(struct guest_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	*res = (struct guest_result){0};
}
