/* memhp doctor: who onlines hot-added memory on this machine, in which
 * order, and whether they get in each other's way. Read only. It looks at
 * the kernel's settings (auto_online_blocks, the command line, the online
 * policy), udev rules that write a memory block's state, daxctl's config,
 * agents that online on request, and in-kernel drivers that add (or, on
 * pseries, online) memory themselves; then at the machine's blocks and
 * zones. Everything is read through the tool's vfs, so a sysroot works. */
#include "configure.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "linux_errno.h"
#include "live.h"
#include "memhp_conf.h"
#include "strbuf.h"
#include "tool.h"
#include "vfs.h"

#define PROG	      "memhp doctor"
#define EXIT_WARNINGS 3
#define MAX_ALTS      4
#define MAX_NODES     64

/* One write to a block's state by a udev rule, with the values it may
 * write (an $env{} value set on several lines gives several). */
struct rule_write {
	char where[320]; /* FILE:LINE */
	char attr[8];	 /* "state", "online" or "RUN" */
	char value[MAX_ALTS][16];
	char value_when[MAX_ALTS][160];
	size_t nvalues;
	char when[256];	   /* the line's other conditions */
	char skipped[520]; /* GOTOs that jump past it */
	bool add_only;	   /* ACTION=="add" applies */
	bool guarded;	   /* it checks ATTR{state} first */
	bool active;	   /* not masked */
	char masked_by[340];
};

struct env_set {
	char name[32], value[16], when[160];
};

struct doctor {
	struct tool_ctx *t;
	struct strbuf warn;
	size_t nwarn;
	/* the kernel */
	char aob[32], policy[32], ratio[16], numa[8], memmap[16];
	char cmd_state[64]; /* memhp_default_state=... on the command line */
	bool kernel_onlines;
	/* udev */
	struct rule_write *writes;
	size_t nwrites, cap;
	/* daxctl */
	size_t dax_onliners;
	/* memhp's own unit and config */
	bool memhp_unit, memhp_enabled, memhp_conf;
	struct memhp_conf conf;
	/* blocks and zones */
	size_t nr_blocks, nr_offline;
	uint64_t first_offline, last_offline;
	uint64_t kernel_pages[MAX_NODES], movable_pages[MAX_NODES]; /* present */
	uint64_t ratio_kernel[MAX_NODES], ratio_movable[MAX_NODES]; /* KERNEL_EARLY, MOVABLE */
	bool node_seen[MAX_NODES], has_zoneinfo;
};

__attribute__((format(printf, 2, 3))) static void warn(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	strbuf_add(&d->warn, "  warning: ");
	va_start(ap, fmt);
	strbuf_vaddf(&d->warn, fmt, ap);
	va_end(ap);
	strbuf_add(&d->warn, "\n");
	d->nwarn++;
}

/* src into dst (len bytes), cut short if longer. */
static void set_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A label as kept in a field of len bytes (cut short as set_str cuts). */
static bool label_is(const char *kept, size_t len, const char *label)
{
	return kept[0] && !strncmp(kept, label, len - 1);
}

static bool exists(const struct doctor *d, const char *path)
{
	return vfs_lookup(d->t->fs, path, NULL) != VFS_NONE;
}

/* ---- the kernel ---- */

static void kernel_section(struct doctor *d)
{
	struct strbuf *out = d->t->out;
	char *cmdline = NULL, *save = NULL;
	struct strbuf params = {0};

	if (tool_read_attr(d->t->fs, MEMORY_DIR "/auto_online_blocks", d->aob, sizeof(d->aob)))
		snprintf(d->aob, sizeof(d->aob), "?");
	tool_read_attr(d->t->fs, PARAMS_DIR "/online_policy", d->policy, sizeof(d->policy));
	tool_read_attr(d->t->fs, PARAMS_DIR "/auto_movable_ratio", d->ratio, sizeof(d->ratio));
	tool_read_attr(d->t->fs, PARAMS_DIR "/auto_movable_numa_aware", d->numa, sizeof(d->numa));
	tool_read_attr(d->t->fs, PARAMS_DIR "/memmap_on_memory", d->memmap, sizeof(d->memmap));
	d->kernel_onlines = !strncmp(d->aob, "online", 6);

	/* The model serves no /proc/cmdline: missing reads as empty. */
	if (!vfs_read(d->t->fs, "/proc/cmdline", &cmdline)) {
		for (char *w = strtok_r(cmdline, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			if (!strncmp(w, "memhp_default_state=", 20))
				set_str(d->cmd_state, sizeof(d->cmd_state), w);
			if (!strncmp(w, "memhp_default_state=", 20) ||
			    !strncmp(w, "memory_hotplug.", 15) || !strcmp(w, "movable_node") ||
			    !strncmp(w, "movablecore=", 12) || !strncmp(w, "kernelcore=", 11))
				strbuf_addf(&params, " %s", w);
		}
		free(cmdline);
	}
	strbuf_add(out, "kernel (acts first, when memory is added):\n");
	strbuf_addf(out, "  auto_online_blocks: %s (%s)\n", d->aob,
		    d->kernel_onlines ? "the kernel onlines hot-added memory before udev sees it"
				      : "hot-added memory stays offline until someone onlines it");
	strbuf_addf(out, "  command line:%s\n",
		    params.buf ? params.buf : " (nothing about memory hotplug)");
	strbuf_release(&params);
	if (d->policy[0])
		strbuf_addf(
		    out,
		    "  online_policy: %s, auto_movable_ratio: %s, auto_movable_numa_aware: %s\n",
		    d->policy, d->ratio, d->numa);
	else
		strbuf_add(out, "  online_policy: not on this kernel (contig-zones only)\n");
	if (d->memmap[0])
		strbuf_addf(out, "  memmap_on_memory: %s\n", d->memmap);
}

/* ---- udev rules ---- */

/* systemd-udevd's rule directories, highest priority first: a file name
 * in an earlier one masks the same name in later ones. */
static const char *const rule_dirs[] = {"/etc/udev/rules.d", "/run/udev/rules.d",
					"/usr/local/lib/udev/rules.d", "/usr/lib/udev/rules.d",
					"/lib/udev/rules.d"};

struct token {
	char key[32], attr[128], op[3];
	char value[512];
};

/* udev's rule syntax: KEY[{ATTR}] OP "VALUE" separated by commas; a
 * prefix e or r before the quote. 0 on the end, 1 a token, -1 malformed. */
static int next_token(const char **pp, struct token *tk)
{
	const char *p = *pp;
	size_t n;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (!*p)
		return 0;
	memset(tk, 0, sizeof(*tk));
	for (n = 0; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'; p++)
		if (n < sizeof(tk->key) - 1)
			tk->key[n++] = *p;
	if (!n)
		return -1;
	if (*p == '{') {
		const char *e = strchr(p, '}');

		if (!e)
			return -1;
		snprintf(tk->attr, sizeof(tk->attr), "%.*s", (int)(e - p - 1), p + 1);
		p = e + 1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if ((p[0] == '=' || p[0] == '!' || p[0] == '+' || p[0] == '-' || p[0] == ':') &&
	    p[1] == '=') {
		memcpy(tk->op, p, 2);
		p += 2;
	} else if (p[0] == '=') {
		tk->op[0] = '=';
		p++;
	} else {
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if ((*p == 'e' || *p == 'r') && p[1] == '"')
		p++;
	if (*p != '"')
		return -1;
	for (p++, n = 0; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (n < sizeof(tk->value) - 1)
			tk->value[n++] = *p;
	}
	if (*p != '"')
		return -1;
	*pp = p + 1;
	return 1;
}

static bool is_match(const struct token *tk)
{
	return !strcmp(tk->op, "==") || !strcmp(tk->op, "!=");
}

static bool is_assign(const struct token *tk)
{
	return !strcmp(tk->op, "=") || !strcmp(tk->op, ":=") || !strcmp(tk->op, "+=");
}

/* udev's patterns: fnmatch globs, '|' between alternatives. */
static bool pattern_matches(const char *pattern, const char *s)
{
	char buf[512], *save = NULL;

	set_str(buf, sizeof(buf), pattern);
	for (char *alt = strtok_r(buf, "|", &save); alt; alt = strtok_r(NULL, "|", &save))
		if (!fnmatch(alt, s, 0))
			return true;
	return false;
}

/* What a rule file says about memory, as far as udevd would take it. */
struct rule_file {
	struct doctor *d;
	const char *path;
	bool active;
	const char *masked_by;
	char mem_label[64], add_label[64];
	char skipped[256];
	struct env_set env[16];
	size_t nenv;
	bool unreachable;
	char reach[256];
	struct {
		char label[64];
		char lines[128];
	} jumps[16];
	size_t njumps;
};

static void add_jump(struct rule_file *rf, const char *label, unsigned int line)
{
	size_t i;

	for (i = 0; i < rf->njumps && strcmp(rf->jumps[i].label, label); i++)
		;
	if (i == rf->njumps) {
		if (rf->njumps == sizeof(rf->jumps) / sizeof(rf->jumps[0]))
			return;
		set_str(rf->jumps[rf->njumps++].label, sizeof(rf->jumps[0].label), label);
	}
	snprintf(rf->jumps[i].lines + strlen(rf->jumps[i].lines),
		 sizeof(rf->jumps[i].lines) - strlen(rf->jumps[i].lines), "%s%u",
		 rf->jumps[i].lines[0] ? ", " : "", line);
}

/* The line's conditions other than SUBSYSTEM and ACTION, as written. */
static void conditions(const struct token *tks, size_t n, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct token *tk = &tks[i];

		if (!is_match(tk) || !strcmp(tk->key, "SUBSYSTEM") || !strcmp(tk->key, "ACTION"))
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s%s%s%s%s\"%s\"",
			 buf[0] ? ", " : "", tk->key, tk->attr[0] ? "{" : "", tk->attr,
			 tk->attr[0] ? "}" : "", tk->op, tk->value);
	}
}

/* The value a RUN program writes to a block's state, if it does. */
static const char *run_writes(const char *cmd)
{
	static const char *const values[] = {"online_movable", "online_kernel", "online",
					     "offline"};

	if (strstr(cmd, "chmem") && (strstr(cmd, " -e") || strstr(cmd, "--enable")))
		return "online";
	if (!strstr(cmd, "state"))
		return NULL;
	for (size_t i = 0; i < 4; i++)
		if (strstr(cmd, values[i]))
			return values[i];
	return NULL;
}

static struct rule_write *new_write(struct doctor *d)
{
	if (array_grow(&d->writes, &d->cap, d->nwrites + 1, sizeof(*d->writes)))
		return NULL;
	memset(&d->writes[d->nwrites], 0, sizeof(d->writes[0]));
	return &d->writes[d->nwrites++];
}

/* Fills w's values from `value`: $env{X}/%E{X} stand for every value the
 * file gave X before, each with its own condition. */
static void resolve_value(struct rule_file *rf, struct rule_write *w, const char *value)
{
	const char *v = strstr(value, "$env{"), *e;
	char name[32];

	if (!v)
		v = strstr(value, "%E{");
	if (!v || !(e = strchr(v, '}'))) {
		set_str(w->value[0], sizeof(w->value[0]), value);
		w->nvalues = 1;
		return;
	}
	v = strchr(v, '{') + 1;
	snprintf(name, sizeof(name), "%.*s", (int)(e - v), v);
	for (size_t i = 0; i < rf->nenv && w->nvalues < MAX_ALTS; i++)
		if (!strcmp(rf->env[i].name, name)) {
			set_str(w->value[w->nvalues], sizeof(w->value[0]), rf->env[i].value);
			snprintf(w->value_when[w->nvalues++], sizeof(w->value_when[0]), "%s",
				 rf->env[i].when);
		}
	if (!w->nvalues) {
		set_str(w->value[0], sizeof(w->value[0]), value);
		w->nvalues = 1;
	}
}

/* What one rule line matches on and where it jumps. */
struct line_facts {
	const char *goto_label;
	bool mem, other_subsys, not_mem, add, not_add;
	size_t nmatch;
};

/* LABEL= ends the regions that GOTOs skipped to it. */
static void rule_label(struct rule_file *rf, const char *label)
{
	if (label_is(rf->mem_label, sizeof(rf->mem_label), label))
		rf->mem_label[0] = '\0';
	if (label_is(rf->add_label, sizeof(rf->add_label), label))
		rf->add_label[0] = '\0';
	if (!rf->unreachable)
		return;
	rf->unreachable = false;
	rf->reach[0] = '\0';
	for (size_t j = 0; j < rf->njumps; j++)
		if (!strcmp(rf->jumps[j].label, label))
			snprintf(rf->reach, sizeof(rf->reach),
				 "only through GOTO=\"%.64s\" on line %s", label,
				 rf->jumps[j].lines);
}

static void line_facts(struct rule_file *rf, struct token *tks, size_t n, struct line_facts *f)
{
	for (size_t i = 0; i < n; i++) {
		struct token *tk = &tks[i];

		if (!strcmp(tk->key, "LABEL")) {
			rule_label(rf, tk->value);
		} else if (!strcmp(tk->key, "GOTO")) {
			f->goto_label = tk->value;
		} else if (!strcmp(tk->key, "SUBSYSTEM") && is_match(tk)) {
			bool m = pattern_matches(tk->value, "memory");
			bool eq = !strcmp(tk->op, "==");

			f->mem |= m && eq;
			f->other_subsys |= !m && eq;
			f->not_mem |= m && !eq;
		} else if (!strcmp(tk->key, "ACTION") && is_match(tk)) {
			bool m = pattern_matches(tk->value, "add");

			f->add |= m && !strcmp(tk->op, "==");
			f->not_add |= m && strcmp(tk->op, "==");
		}
		f->nmatch += is_match(tk);
	}
}

/* A GOTO line: the memory (or add) region it opens, or a jump past rules. */
static void rule_goto(struct rule_file *rf, struct token *tks, size_t n, const struct line_facts *f,
		      unsigned int line)
{
	char cond[256];

	if (f->not_mem) {
		set_str(rf->mem_label, sizeof(rf->mem_label), f->goto_label);
		return;
	}
	if (f->not_add && (f->mem || rf->mem_label[0])) {
		set_str(rf->add_label, sizeof(rf->add_label), f->goto_label);
		return;
	}
	if (!f->nmatch) {
		rf->unreachable = true;
		return;
	}
	add_jump(rf, f->goto_label, line);
	conditions(tks, n, cond, sizeof(cond));
	if ((f->mem || rf->mem_label[0]) &&
	    label_is(rf->mem_label, sizeof(rf->mem_label), f->goto_label) && cond[0])
		snprintf(rf->skipped + strlen(rf->skipped),
			 sizeof(rf->skipped) - strlen(rf->skipped), "%s%s (line %u)",
			 rf->skipped[0] ? "; " : "", cond, line);
}

/* One write to a block's state or online attribute (or a RUN that does). */
static void rule_write(struct rule_file *rf, struct token *tks, size_t n, struct token *tk,
		       const char *run, const struct line_facts *f, unsigned int line)
{
	struct rule_write *w = new_write(rf->d);

	if (!w)
		return;
	snprintf(w->where, sizeof(w->where), "%s:%u", rf->path, line);
	set_str(w->attr, sizeof(w->attr), run ? "RUN" : tk->attr);
	if (run) {
		set_str(w->value[0], sizeof(w->value[0]), run);
		w->nvalues = 1;
	} else {
		resolve_value(rf, w, tk->value);
	}
	/* The online attribute: 1 onlines as "online" would. */
	for (size_t v = 0; !run && !strcmp(tk->attr, "online") && v < w->nvalues; v++)
		snprintf(w->value[v], sizeof(w->value[v]), "%s",
			 !strcmp(w->value[v], "1") ? "online" : "offline");
	conditions(tks, n, w->when, sizeof(w->when));
	snprintf(w->skipped, sizeof(w->skipped), "%s%s%s", rf->skipped,
		 rf->skipped[0] && rf->reach[0] ? "; " : "", rf->reach);
	w->add_only = f->add || rf->add_label[0];
	for (size_t j = 0; j < n; j++)
		w->guarded |= is_match(&tks[j]) && !strcmp(tks[j].key, "ATTR") &&
			      !strcmp(tks[j].attr, "state");
	w->active = rf->active;
	if (rf->masked_by)
		set_str(w->masked_by, sizeof(w->masked_by), rf->masked_by);
}

/* A memory rule's assignments: ENV{} values for later $env{}, and writes. */
static void rule_assignments(struct rule_file *rf, struct token *tks, size_t n,
			     const struct line_facts *f, unsigned int line)
{
	for (size_t i = 0; i < n; i++) {
		struct token *tk = &tks[i];
		const char *run = NULL;

		if (!is_assign(tk))
			continue;
		if (!strcmp(tk->key, "ENV") && rf->nenv < 16) {
			struct env_set *e = &rf->env[rf->nenv++];

			set_str(e->name, sizeof(e->name), tk->attr);
			set_str(e->value, sizeof(e->value), tk->value);
			conditions(tks, n, e->when, sizeof(e->when));
			continue;
		}
		if (!strcmp(tk->key, "RUN"))
			run = run_writes(tk->value);
		if (run || (!strcmp(tk->key, "ATTR") &&
			    (!strcmp(tk->attr, "state") || !strcmp(tk->attr, "online"))))
			rule_write(rf, tks, n, tk, run, f, line);
	}
}

static void rule_line(struct rule_file *rf, const char *text, unsigned int line)
{
	struct token tks[24];
	struct line_facts f = {0};
	const char *p = text;
	size_t n = 0;
	int r;

	while (n < 24 && (r = next_token(&p, &tks[n])) == 1)
		n++;
	if (r < 0 && n < 24)
		return; /* udevd skips a line it cannot parse */
	line_facts(rf, tks, n, &f);
	if (f.goto_label)
		rule_goto(rf, tks, n, &f, line);
	else if (!rf->unreachable && !f.other_subsys && (f.mem || rf->mem_label[0]))
		rule_assignments(rf, tks, n, &f, line);
}

static void scan_rule_file(struct doctor *d, const char *path, const char *masked_by)
{
	struct rule_file rf = {.d = d, .path = path, .active = !masked_by, .masked_by = masked_by};
	char *text = NULL, *p, *nl;
	unsigned int line = 0;
	struct strbuf logical = {0};
	unsigned int first = 0;

	if (vfs_read(d->t->fs, path, &text))
		return;
	for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
		size_t len;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		if (!logical.len)
			first = line;
		/* A backslash at the end continues the line. */
		if (len && p[len - 1] == '\\') {
			strbuf_addn(&logical, p, len - 1);
			continue;
		}
		strbuf_addn(&logical, p, len);
		if (logical.buf) {
			const char *s = logical.buf;

			while (*s == ' ' || *s == '\t')
				s++;
			if (*s && *s != '#')
				rule_line(&rf, s, first);
		}
		strbuf_reset(&logical);
	}
	strbuf_release(&logical);
	free(text);
}

static bool rules_disabled(const struct doctor *d, const char *path)
{
	char *target = NULL, *text = NULL;
	bool off = false;

	if (vfs_lookup(d->t->fs, path, NULL) == VFS_LINK && !vfs_readlink(d->t->fs, path, &target))
		off = !strcmp(target, "/dev/null");
	free(target);
	if (!off && !vfs_read(d->t->fs, path, &text))
		off = !text[0];
	free(text);
	return off;
}

struct rule_name {
	char name[256], path[320], masked_by[340];
};

static int cmp_rule(const void *a, const void *b)
{
	return strcmp(((const struct rule_name *)a)->name, ((const struct rule_name *)b)->name);
}

static void udev_section(struct doctor *d)
{
	struct rule_name *r = NULL;
	size_t n = 0, cap = 0;
	bool usrmerge = vfs_lookup(d->t->fs, "/lib", NULL) == VFS_LINK;
	struct strbuf *out = d->t->out;

	for (size_t i = 0; i < sizeof(rule_dirs) / sizeof(rule_dirs[0]); i++) {
		char **names;

		/* /lib -> usr/lib: the same files twice. */
		if (usrmerge && !strcmp(rule_dirs[i], "/lib/udev/rules.d"))
			continue;
		if (vfs_list(d->t->fs, rule_dirs[i], &names))
			continue;
		for (char **p = names; *p; p++) {
			size_t len = strlen(*p), j;

			if (len < 6 || strcmp(*p + len - 6, ".rules") || len >= sizeof(r->name))
				continue;
			/* Out of memory: the rules listed so far are what is read. */
			if (array_grow(&r, &cap, n + 1, sizeof(*r)))
				break;
			memset(&r[n], 0, sizeof(r[n]));
			set_str(r[n].name, sizeof(r[n].name), *p);
			snprintf(r[n].path, sizeof(r[n].path), "%s/%s", rule_dirs[i], *p);
			for (j = 0; j < n && strcmp(r[j].name, *p); j++)
				;
			if (j < n)
				snprintf(r[n].masked_by, sizeof(r[n].masked_by), "%s%s", r[j].path,
					 rules_disabled(d, r[j].path) ? " (disabled)" : "");
			n++;
		}
		vfs_free_list(names);
	}
	if (n)
		qsort(r, n, sizeof(*r), cmp_rule);
	for (size_t i = 0; i < n; i++)
		scan_rule_file(d, r[i].path, r[i].masked_by[0] ? r[i].masked_by : NULL);
	free(r);

	strbuf_add(out, "udev rules (on each block's uevent, files in name order; a rule that "
			"finds the block online does nothing):\n");
	if (!d->nwrites)
		strbuf_add(out, "  none writes a memory block's state\n");
	for (size_t i = 0; i < d->nwrites; i++) {
		const struct rule_write *w = &d->writes[i];

		strbuf_addf(out, "  %s: writes %s", w->where, w->attr);
		for (size_t v = 0; v < w->nvalues; v++)
			strbuf_addf(out, "%s%s%s%s%s", v ? ", or " : " ", w->value[v],
				    w->value_when[v][0] ? " (when " : "", w->value_when[v],
				    w->value_when[v][0] ? ")" : "");
		if (w->when[0])
			strbuf_addf(out, "; if %s", w->when);
		if (w->skipped[0])
			strbuf_addf(out, "; skipped: %s", w->skipped);
		if (!w->add_only)
			strbuf_add(out, "; on every event, not only add");
		if (!w->active)
			strbuf_addf(out, " [masked by %s: does not run]", w->masked_by);
		strbuf_add(out, "\n");
	}
}

/* ---- daxctl ---- */

static void dax_section_done(struct doctor *d, const char *where, bool ram, bool online,
			     bool movable)
{
	if (!where[0])
		return;
	strbuf_addf(d->t->out, "  %s: %s", where, ram ? "system-ram" : "devdax (not onlined)");
	if (ram)
		strbuf_addf(d->t->out, ", %s",
			    online ? (movable ? "writes online_movable" : "writes online")
				   : "not onlined (online = false)");
	strbuf_add(d->t->out, "\n");
	if (!ram || !online)
		return;
	d->dax_onliners++;
	if (movable && !strcmp(d->policy, "auto-movable"))
		warn(d,
		     "%s: daxctl onlines with online_movable, bypassing online_policy=auto-movable",
		     where);
	if (d->kernel_onlines)
		warn(d,
		     "%s: daxctl onlines dax memory the kernel already onlines "
		     "(auto_online_blocks=%s): "
		     "the kernel wins, its zone may not be the one asked for",
		     where, d->aob);
}

static void daxctl_file(struct doctor *d, const char *path)
{
	char *text = NULL, *next, where[400] = "";
	bool ram = true, online = true, movable = true;
	unsigned int line = 0;

	if (vfs_read(d->t->fs, path, &text))
		return;
	for (char *l = text; l; l = next) {
		char *eq, *k, *v, *e;
		bool b;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		line++;
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l == '[') {
			dax_section_done(d, where, ram, online, movable);
			where[0] = '\0';
			if (!strncmp(l, "[reconfigure-device", 19))
				snprintf(where, sizeof(where), "%s:%u", path, line);
			ram = online = movable = true;
			continue;
		}
		if (!where[0] || *l == '#' || *l == ';' || !(eq = strchr(l, '=')))
			continue;
		*eq = '\0';
		k = l;
		v = eq + 1;
		for (e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t'); *--e = '\0')
			;
		while (*v == ' ' || *v == '\t')
			v++;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
			*--e = '\0';
		b = !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes");
		if (!strcmp(k, "mode"))
			ram = !strcmp(v, "system-ram");
		else if (!strcmp(k, "online"))
			online = b;
		else if (!strcmp(k, "movable"))
			movable = b;
	}
	dax_section_done(d, where, ram, online, movable);
	free(text);
}

static void daxctl_section(struct doctor *d)
{
	char **names, path[320];

	strbuf_add(d->t->out,
		   "daxctl (daxdev-reconfigure@ for each dax device, started by udev):\n");
	if (vfs_list(d->t->fs, "/etc/daxctl.conf.d", &names)) {
		strbuf_add(d->t->out, "  no /etc/daxctl.conf.d\n");
		return;
	}
	for (char **p = names; *p; p++) {
		size_t len = strlen(*p);

		if (len > 5 && !strcmp(*p + len - 5, ".conf")) {
			snprintf(path, sizeof(path), "/etc/daxctl.conf.d/%s", *p);
			daxctl_file(d, path);
		}
	}
	vfs_free_list(names);
	if (!d->dax_onliners)
		strbuf_add(d->t->out, "  no reconfigure-device section onlines memory\n");
}

/* ---- agents and in-kernel onliners ---- */

struct agent {
	const char *name;
	const char *paths[5];
	const char *what;
};

static const char *const unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system",
					"/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
					"/lib/systemd/system"};

static const struct agent agents[] = {
    {"qemu-guest-agent",
     {"/usr/bin/qemu-ga", "/usr/sbin/qemu-ga", "/usr/lib/systemd/system/qemu-guest-agent.service",
      "/lib/systemd/system/qemu-guest-agent.service", NULL},
     "onlines a block only when the host asks (guest-set-memory-blocks writes online)"},
    {"hyperv-daemons",
     {"/usr/sbin/hv_kvp_daemon", "/usr/sbin/hypervkvpd", NULL},
     "do not online memory: Hyper-V's hot-add (hv_balloon) leaves it to the kernel or udev"},
    {"open-vm-tools",
     {"/usr/bin/vmtoolsd", NULL},
     "not known to online memory: VMware's hot-add leaves it to the kernel or udev"},
};

static void memhp_unit(struct doctor *d)
{
	char path[320], *text = NULL;
	struct strbuf err = {0};

	for (size_t i = 0; i < sizeof(unit_dirs) / sizeof(unit_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/memhp-configure.service", unit_dirs[i]);
		d->memhp_unit |= exists(d, path);
	}
	d->memhp_enabled =
	    exists(d, "/etc/systemd/system/sysinit.target.wants/memhp-configure.service") ||
	    exists(d, "/etc/systemd/system/basic.target.wants/memhp-configure.service") ||
	    exists(d, "/etc/systemd/system/multi-user.target.wants/memhp-configure.service");
	if (!vfs_read(d->t->fs, MEMHP_CONF_DEFAULT, &text)) {
		d->memhp_conf = !conf_parse(&d->conf, MEMHP_CONF_DEFAULT, text, strlen(text), &err);
		if (!d->memhp_conf)
			warn(d, "%.*s",
			     (int)(err.len && err.buf[err.len - 1] == '\n' ? err.len - 1 : err.len),
			     err.buf ? err.buf : "");
	}
	free(text);
	strbuf_release(&err);
	if (!d->memhp_unit && !d->memhp_conf)
		return;
	strbuf_addf(d->t->out, "  memhp-configure.service: %s, %s\n",
		    d->memhp_unit
			? (d->memhp_enabled ? "installed, enabled" : "installed, not enabled")
			: "not installed",
		    d->memhp_conf ? MEMHP_CONF_DEFAULT " present: sets the policy, onlines blocks "
						       "still offline at boot"
				  : "no valid " MEMHP_CONF_DEFAULT);
	for (int k = 0; d->memhp_conf && k < CONF_NR_KEYS; k++)
		if (d->conf.v[k].set)
			strbuf_addf(d->t->out, "    %s = %s (%s)\n", conf_key_name(k),
				    d->conf.v[k].value, d->conf.v[k].origin);
}

static void agents_section(struct doctor *d)
{
	size_t found = 0;

	strbuf_add(d->t->out, "user space (after boot, or on request):\n");
	memhp_unit(d);
	found += d->memhp_unit || d->memhp_conf;
	for (size_t i = 0; i < sizeof(agents) / sizeof(agents[0]); i++)
		for (size_t j = 0; agents[i].paths[j]; j++)
			if (exists(d, agents[i].paths[j])) {
				strbuf_addf(d->t->out, "  %s (%s): %s\n", agents[i].name,
					    agents[i].paths[j], agents[i].what);
				found++;
				break;
			}
	if (!found)
		strbuf_add(d->t->out, "  no known agent\n");
}

struct in_kernel {
	const char *name;
	const char *paths[3];
	const char *what;
};

static const struct in_kernel in_kernel[] = {
    {"hv_balloon",
     {"/sys/module/hv_balloon", "/sys/bus/vmbus/drivers/hv_balloon", NULL},
     "Hyper-V hot-add: adds memory, then waits for the kernel or udev to online it"},
    {"xen balloon",
     {"/sys/devices/system/xen_memory", NULL},
     "Xen: adds memory beyond the boot size, onlined by auto_online_blocks or udev"},
    {"pseries DLPAR",
     {"/proc/device-tree/ibm,dynamic-reconfiguration-memory", NULL},
     "onlines the memory it adds itself, whatever auto_online_blocks says"},
    {"virtio-mem",
     {"/sys/module/virtio_mem", "/sys/bus/virtio/drivers/virtio_mem", NULL},
     "plugs memory, onlined by auto_online_blocks or udev; stops plugging while it stays "
     "offline"},
};

static void in_kernel_section(struct doctor *d)
{
	size_t found = 0;

	strbuf_add(d->t->out, "in-kernel drivers that add memory:\n");
	for (size_t i = 0; i < sizeof(in_kernel) / sizeof(in_kernel[0]); i++)
		for (size_t j = 0; in_kernel[i].paths[j]; j++)
			if (exists(d, in_kernel[i].paths[j])) {
				strbuf_addf(d->t->out, "  %s (%s): %s\n", in_kernel[i].name,
					    in_kernel[i].paths[j], in_kernel[i].what);
				found++;
				break;
			}
	if (!found)
		strbuf_add(d->t->out,
			   "  none of hv_balloon, xen balloon, pseries DLPAR, virtio-mem\n");
}

/* ---- blocks and zones ---- */

/* Blocks and per-node memory from live.c: present pages for the picture,
 * and the ratio's own two sides (KERNEL_EARLY estimated as live.h says)
 * for its warnings. */
static void blocks_and_zones(struct doctor *d)
{
	struct auto_movable_stats stats[MAX_NUMNODES];
	struct live_memory lm;
	char err[256];

	if (live_read(d->t->fs, &lm, err, sizeof(err)))
		return;
	d->nr_blocks = lm.nr_blocks;
	for (size_t i = 0; i < lm.nr_blocks; i++) {
		uint64_t id = lm.blocks[i].id;

		if (lm.blocks[i].state != MEM_OFFLINE)
			continue;
		if (!d->nr_offline++)
			d->first_offline = id;
		d->last_offline = id;
	}
	d->has_zoneinfo = lm.has_zoneinfo;
	live_auto_movable_stats(&lm, stats);
	for (int n = 0; n < lm.nr_node_ids && n < MAX_NODES; n++) {
		d->node_seen[n] = lm.nodes[n].online;
		for (int z = 0; z < MAX_NR_ZONES; z++)
			if (z == ZONE_MOVABLE)
				d->movable_pages[n] += lm.nodes[n].zones[z].present;
			else
				d->kernel_pages[n] += lm.nodes[n].zones[z].present;
		d->ratio_kernel[n] = stats[n].kernel_early_pages;
		d->ratio_movable[n] = stats[n].movable_pages;
	}
	live_release(&lm);
}

static void blocks_section(struct doctor *d)
{
	strbuf_addf(d->t->out, "blocks: %zu, %zu offline", d->nr_blocks, d->nr_offline);
	if (d->nr_offline)
		strbuf_addf(d->t->out, " (memory%" PRIu64 "%s%" PRIu64 ")", d->first_offline,
			    d->nr_offline > 1 ? "..memory" : "", d->last_offline);
	strbuf_add(d->t->out, "\n");
	for (int n = 0; n < MAX_NODES; n++)
		if (d->node_seen[n] && (d->kernel_pages[n] || d->movable_pages[n]))
			strbuf_addf(d->t->out,
				    "  node %d: kernel zones %llu MiB, Movable %llu MiB present\n",
				    n, (unsigned long long)(d->kernel_pages[n] >> 8),
				    (unsigned long long)(d->movable_pages[n] >> 8));
}

/* ---- who wins, and the warnings ---- */

static bool onlining(const char *v)
{
	return !strncmp(v, "online", 6);
}

/* What user space will set online_policy to, if memhp configure runs. */
static const char *effective_policy(const struct doctor *d)
{
	if (d->memhp_conf && d->conf.v[CONF_ONLINE_POLICY].set)
		return d->conf.v[CONF_ONLINE_POLICY].value;
	return d->policy;
}

static void rule_warnings(struct doctor *d)
{
	const struct rule_write *first = NULL;
	const char *policy = effective_policy(d);

	for (size_t i = 0; i < d->nwrites; i++) {
		const struct rule_write *w = &d->writes[i];

		if (!w->active)
			continue;
		for (size_t v = 0; v < w->nvalues; v++) {
			if (!onlining(w->value[v]))
				continue;
			if (strcmp(w->value[v], "online") && !strcmp(policy, "auto-movable"))
				warn(d,
				     "%s writes %s%s%s: it bypasses online_policy=auto-movable "
				     "(only \"online\" lets the policy pick the zone)",
				     w->where, w->value[v], w->value_when[v][0] ? " when " : "",
				     w->value_when[v]);
		}
		if (d->kernel_onlines && w->nvalues && onlining(w->value[0]))
			warn(d,
			     "%s and the kernel both online hot-added memory "
			     "(auto_online_blocks=%s): "
			     "the kernel onlines before the uevent is handled, so the rule %s",
			     w->where, d->aob,
			     w->guarded
				 ? "finds the block online and does nothing, or races with it"
				 : "writes to an online block (a no-op), or races with the kernel");
		if (!w->add_only && w->guarded && w->nvalues && onlining(w->value[0]))
			warn(d,
			     "%s has no ACTION==\"add\": it also runs on the offline uevent and "
			     "onlines a block again right after someone offlines it",
			     w->where);
		if (!first) {
			first = w;
			continue;
		}
		for (size_t a = 0; a < first->nvalues; a++)
			for (size_t b = 0; b < w->nvalues; b++)
				if (strcmp(first->value[a], w->value[b])) {
					warn(d,
					     "%s writes %s, %s writes %s: the first in file-name "
					     "order "
					     "wins, the second finds the block online",
					     first->where, first->value[a], w->where, w->value[b]);
					a = first->nvalues;
					break;
				}
	}
}

static void zone_warnings(struct doctor *d)
{
	unsigned long long k = 0, m = 0;
	unsigned int ratio = (unsigned int)strtoul(d->ratio, NULL, 10);
	bool am = !strcmp(d->policy, "auto-movable");

	for (int n = 0; n < MAX_NODES; n++) {
		uint64_t rk = d->ratio_kernel[n], rm = d->ratio_movable[n];

		if (d->movable_pages[n] && !d->kernel_pages[n])
			warn(d,
			     "node %d has memory but no kernel memory (all %llu MiB present in "
			     "Movable): its kernel allocations, memmap of new memory included, "
			     "come from other nodes",
			     n, (unsigned long long)(d->movable_pages[n] >> 8));
		k += rk;
		m += rm;
		if (am && !strcmp(d->numa, "Y") && rm && rk &&
		    rm * 100 > (unsigned long long)ratio * rk)
			warn(
			    d,
			    "node %d: MOVABLE %llu MiB is more than auto_movable_ratio=%u%% of its "
			    "KERNEL_EARLY (%llu MiB): the ratio cannot be kept there, new memory "
			    "goes to kernel zones",
			    n, (unsigned long long)(rm >> 8), ratio, (unsigned long long)(rk >> 8));
	}
	/* The kernel's sides (live.h: KERNEL_EARLY is present kernel memory
	 * less that of memory devices, estimated). */
	if (am && m * 100 > (unsigned long long)ratio * k)
		warn(d,
		     "MOVABLE %llu MiB is more than auto_movable_ratio=%u%% of KERNEL_EARLY "
		     "(%llu MiB): the ratio cannot be kept, new memory goes to kernel zones",
		     m >> 8, ratio, k >> 8);
}

static void precedence_section(struct doctor *d)
{
	struct strbuf *out = d->t->out;
	size_t rules = 0, step = 1;

	for (size_t i = 0; i < d->nwrites; i++)
		rules +=
		    d->writes[i].active && d->writes[i].nvalues && onlining(d->writes[i].value[0]);
	strbuf_add(out,
		   "who onlines hot-added memory, first first (an online block stays as it is):\n");
	if (d->kernel_onlines)
		strbuf_addf(out, "  %zu. the kernel, at hot-add (auto_online_blocks=%s)\n", step++,
			    d->aob);
	for (size_t i = 0; i < d->nwrites; i++)
		if (d->writes[i].active && d->writes[i].nvalues && onlining(d->writes[i].value[0]))
			strbuf_addf(out, "  %zu. udev: %s\n", step++, d->writes[i].where);
	if (d->dax_onliners)
		strbuf_addf(out, "  %zu. daxctl, for dax devices (%zu section%s)\n", step++,
			    d->dax_onliners, d->dax_onliners == 1 ? "" : "s");
	if (d->memhp_enabled && d->memhp_conf)
		strbuf_addf(out, "  %zu. memhp configure, at boot: blocks still offline%s\n",
			    step++,
			    d->conf.v[CONF_AUTO_ONLINE_BLOCKS].set &&
				    onlining(d->conf.v[CONF_AUTO_ONLINE_BLOCKS].value)
				? "; then the kernel, for memory added later"
				: "");
	if (step == 1)
		strbuf_add(out, "  nobody\n");
	if (d->nr_offline && !d->kernel_onlines && !rules && !d->dax_onliners)
		warn(d,
		     "%zu block%s offline (memory%" PRIu64 "..memory%" PRIu64 ") and nothing "
		     "onlines hot-added memory%s",
		     d->nr_offline, d->nr_offline == 1 ? "" : "s", d->first_offline,
		     d->last_offline,
		     d->memhp_enabled && d->memhp_conf
			 ? " after boot (memhp configure ran at boot only)"
			 : ": set auto_online_blocks, or run memhp configure");
}

static const struct option options[] = {
    {"sysroot", required_argument, NULL, 'S'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

int tool_doctor_main(struct tool_ctx *t, int argc, char **argv)
{
	struct doctor d = {.t = t};
	int opt, rc;

	tool_getopt_reset();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 'S':
			if (tool_use_sysroot(t, PROG, optarg))
				return 1;
			break;
		case 'h':
			strbuf_add(t->out, "usage: memhp doctor [--sysroot DIR]\n");
			return 0;
		default:
			strbuf_addf(t->err,
				    "%s: bad option '%s'\nusage: memhp doctor [--sysroot DIR]\n",
				    PROG, optind > 0 && optind <= argc ? argv[optind - 1] : "?");
			return TOOL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		strbuf_addf(t->err,
			    "%s: unexpected argument '%s'\nusage: memhp doctor [--sysroot DIR]\n",
			    PROG, argv[optind]);
		return TOOL_EXIT_USAGE;
	}
	if (vfs_lookup(t->fs, MEMORY_DIR, NULL) != VFS_DIR) {
		strbuf_addf(t->err, "%s: %s not found: this kernel has no memory hotplug\n", PROG,
			    MEMORY_DIR);
		return 1;
	}
	kernel_section(&d);
	udev_section(&d);
	daxctl_section(&d);
	agents_section(&d);
	in_kernel_section(&d);
	blocks_and_zones(&d);
	blocks_section(&d);
	rule_warnings(&d);
	zone_warnings(&d);
	precedence_section(&d);
	if (d.nwarn)
		strbuf_addf(t->out, "%zu warning%s:\n%s", d.nwarn, d.nwarn == 1 ? "" : "s",
			    d.warn.buf);
	else
		strbuf_add(t->out, "no conflicts\n");
	rc = d.nwarn ? EXIT_WARNINGS : 0;
	strbuf_release(&d.warn);
	free(d.writes);
	return rc;
}
