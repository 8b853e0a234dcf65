/* memhp configure: what user space does once a kernel booted with hot-added
 * memory offline (memhp_default_state=offline): set the online policy from
 * /etc/memhp.conf, enable auto-onlining for what comes later, and online
 * the blocks still offline, in ascending order, so that the policy (not the
 * order udev happens to see them in) decides their zones. Every setting is
 * checked against the running kernel before anything is written. */
#include "configure.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux_errno.h"
#include "live.h"
#include "memhp_conf.h"
#include "readfile.h"
#include "strbuf.h"
#include "strparse.h"
#include "tool.h"
#include "vfs.h"

#define PROG "memhp configure"

/* Keys in the order they are written: the policy before auto-onlining is
 * switched on, both before any block is onlined. */
static const enum conf_key write_order[] = {CONF_ONLINE_POLICY, CONF_AUTO_MOVABLE_RATIO,
					    CONF_AUTO_MOVABLE_NUMA_AWARE, CONF_AUTO_ONLINE_BLOCKS};

struct configure {
	struct tool_ctx *t;
	struct memhp_conf conf;
	char cur[CONF_NR_KEYS][16]; /* the kernel's value, canonical */
	bool change[CONF_NR_KEYS];
	bool dry_run;
	uint64_t *offline; /* ids of offline blocks, ascending */
	size_t nr_offline;
};

static void usage(struct strbuf *sb)
{
	strbuf_add(sb, "usage: memhp configure [--config FILE] [--set KEY=VALUE]... [--dry-run] "
		       "[--yes] [--sysroot DIR]\n");
}

/* ---- the config: file and --set ---- */

/* The default file may be missing when --set gives the values; a file
 * named with --config must exist. */
static int load_config(struct configure *c, const char *file, bool named, char **sets, int nsets)
{
	struct strbuf *err = c->t->err;
	char why[512], *text = NULL;
	size_t len = 0;
	int ret;

	/* The model's guest has no files of its own: its default config is
	 * missing, as in the real guest; a named one cannot be modelled. */
	if (named && tool_host_path_ok(c->t, file))
		return -EPERM;
	if (c->t->host_paths_forbidden) {
		ret = -ENOENT;
		snprintf(why, sizeof(why), "%s: %s", file, strerror(ENOENT));
	} else {
		ret = read_file_max(file, MEMHP_CONF_MAX, &text, &len, why, sizeof(why));
	}
	if (ret == -ENOENT && !named && nsets) {
		ret = 0;
	} else if (ret) {
		strbuf_addf(err, "%s: %s\n", PROG, why);
		return ret;
	} else {
		ret = conf_parse(&c->conf, file, text, len, err);
		free(text);
	}
	for (int i = 0; i < nsets; i++)
		if (conf_set_arg(&c->conf, sets[i], err))
			ret = -EINVAL;
	return ret;
}

/* ---- checks against the running kernel ---- */

static int check_key(struct configure *c, enum conf_key key)
{
	const struct conf_value *v = &c->conf.v[key];
	const char *path = conf_key_path(key), *name = conf_key_name(key);
	struct strbuf *err = c->t->err;
	unsigned int mode = 0;
	char raw[64];
	int ret;

	if (vfs_lookup(c->t->fs, path, &mode) != VFS_FILE) {
		strbuf_addf(err, "%s: %s (from %s): this kernel has no %s (%s not found)\n", PROG,
			    name, v->origin, name, path);
		return -ENOENT;
	}
	ret = tool_read_attr(c->t->fs, path, raw, sizeof(raw));
	if (ret) {
		strbuf_addf(err, "%s: %s: %s\n", PROG, path, linux_strerror(ret));
		return ret;
	}
	if (conf_canonical(key, raw, c->cur[key], sizeof(c->cur[key]), NULL)) {
		strbuf_addf(err, "%s: %s reads '%s', not a value memhp knows\n", PROG, path, raw);
		return -EINVAL;
	}
	if (key == CONF_MEMMAP_ON_MEMORY) {
		if (strcmp(c->cur[key], v->value)) {
			strbuf_addf(err,
				    "%s: memmap_on_memory is %s on this kernel, %s expects %s: it "
				    "is fixed at boot (memory_hotplug.memmap_on_memory= on the "
				    "kernel command line)\n",
				    PROG, c->cur[key], v->origin, v->value);
			return -EINVAL;
		}
		return 0;
	}
	c->change[key] = strcmp(c->cur[key], v->value) != 0;
	if (c->change[key] && !(mode & 0222)) {
		strbuf_addf(err, "%s: %s (from %s): %s is read-only on this kernel\n", PROG, name,
			    v->origin, path);
		return -EACCES;
	}
	return 0;
}

static bool cmdline_onlines(const struct vfs *fs, char *arg, size_t len)
{
	char *cmdline = NULL, *save = NULL;
	bool found = false;

	/* The model serves no /proc/cmdline: missing reads as empty. */
	if (vfs_read(fs, "/proc/cmdline", &cmdline))
		return false;
	for (char *w = strtok_r(cmdline, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (!strncmp(w, "memhp_default_state=online", 26)) {
			snprintf(arg, len, "%s", w);
			found = true; /* the last one counts, as __setup sees them */
		} else if (!strncmp(w, "memhp_default_state=", 20)) {
			found = false;
		}
	free(cmdline);
	return found;
}

/* The kernel onlines hot-added memory itself: what it onlined took the
 * policy of its time; new settings only apply from now on. */
static void warn_auto_online(struct configure *c)
{
	char aob[32] = "", arg[128] = "";
	bool cmd = cmdline_onlines(c->t->fs, arg, sizeof(arg)), aob_on;

	aob_on = !tool_read_attr(c->t->fs, MEMORY_DIR "/auto_online_blocks", aob, sizeof(aob)) &&
		 !strncmp(aob, "online", 6);
	if (!cmd && !aob_on)
		return;
	strbuf_addf(c->t->err, "%s: warning: the kernel already onlines hot-added memory itself (",
		    PROG);
	if (cmd)
		strbuf_addf(c->t->err, "%s on the kernel command line%s", arg, aob_on ? ", " : "");
	if (aob_on)
		strbuf_addf(c->t->err, "auto_online_blocks is %s", aob);
	strbuf_add(c->t->err, "): blocks it onlined kept the zones the policy gave them then; "
			      "these settings apply to blocks onlined from now on\n");
}

/* The blocks whose state reads "offline", ascending by id (live.c). */
static int find_offline(struct configure *c)
{
	struct live_memory lm;
	char why[256];
	int ret = live_read(c->t->fs, &lm, why, sizeof(why));

	if (ret) {
		strbuf_addf(c->t->err, "%s: %s\n", PROG, why);
		return ret;
	}
	c->offline = calloc(lm.nr_blocks ? lm.nr_blocks : 1, sizeof(*c->offline));
	if (!c->offline) {
		live_release(&lm);
		return -ENOMEM;
	}
	for (size_t i = 0; i < lm.nr_blocks; i++)
		if (lm.blocks[i].state == MEM_OFFLINE)
			c->offline[c->nr_offline++] = lm.blocks[i].id;
	live_release(&lm);
	return 0;
}

static int check(struct configure *c)
{
	int ret = 0;

	if (vfs_lookup(c->t->fs, MEMORY_DIR, NULL) != VFS_DIR) {
		strbuf_addf(c->t->err, "%s: %s not found: this kernel has no memory hotplug\n",
			    PROG, MEMORY_DIR);
		return -ENOENT;
	}
	for (int k = 0; k < CONF_NR_KEYS; k++)
		if (c->conf.v[k].set && check_key(c, k))
			ret = -EINVAL;
	if (ret)
		return ret;
	warn_auto_online(c);
	return find_offline(c);
}

/* ---- applying ---- */

static int write_key(struct configure *c, enum conf_key key)
{
	const char *path = conf_key_path(key);
	const struct conf_value *v = &c->conf.v[key];
	char buf[32], raw[64], now[16];
	int ret;

	snprintf(buf, sizeof(buf), "%s\n", v->value);
	ret = vfs_write(c->t->fs, path, buf);
	if (ret) {
		strbuf_addf(c->t->err, "%s: %s: writing '%s': %s\n", PROG, path, v->value,
			    linux_strerror(ret));
		return ret;
	}
	ret = tool_read_attr(c->t->fs, path, raw, sizeof(raw));
	if (ret || conf_canonical(key, raw, now, sizeof(now), NULL) || strcmp(now, v->value)) {
		strbuf_addf(c->t->err, "%s: %s: wrote '%s', reads '%s' back\n", PROG, path,
			    v->value, ret ? linux_strerror(ret) : raw);
		return -EIO;
	}
	strbuf_addf(c->t->out, "%s: %s -> %s (from %s)\n", conf_key_name(key), c->cur[key],
		    v->value, v->origin);
	return 0;
}

static void report_unchanged(struct configure *c)
{
	for (int k = 0; k < CONF_NR_KEYS; k++) {
		const struct conf_value *v = &c->conf.v[k];

		if (!v->set)
			continue;
		if (k == CONF_MEMMAP_ON_MEMORY)
			strbuf_addf(c->t->out, "memmap_on_memory: %s, as expected (from %s)\n",
				    v->value, v->origin);
		else if (!c->change[k])
			strbuf_addf(c->t->out, "%s: %s, unchanged (from %s)\n", conf_key_name(k),
				    v->value, v->origin);
		else if (c->dry_run)
			strbuf_addf(c->t->out, "%s: would change %s -> %s (from %s)\n",
				    conf_key_name(k), c->cur[k], v->value, v->origin);
	}
}

struct zone_count {
	char name[64];
	size_t n;
};

static void count_zone(struct zone_count *zc, size_t max, const char *zone)
{
	for (size_t i = 0; i < max; i++) {
		if (!zc[i].name[0])
			snprintf(zc[i].name, sizeof(zc[i].name), "%s", zone);
		if (!strcmp(zc[i].name, zone)) {
			zc[i].n++;
			return;
		}
	}
}

/* Onlines one block; 0 or the write's errno (reported). A state other
 * than online afterwards means someone else was faster or undid it: said,
 * not counted as a failure. */
static int online_block(struct configure *c, uint64_t id, struct zone_count *zc, size_t nzc)
{
	char path[320], state[32], zones[64];
	int ret;

	snprintf(path, sizeof(path), "%s/memory%" PRIu64 "/state", MEMORY_DIR, id);
	ret = vfs_write(c->t->fs, path, "online\n");
	if (ret) {
		strbuf_addf(c->t->err, "%s: memory%" PRIu64 ": online: %s\n", PROG, id,
			    linux_strerror(ret));
		return ret;
	}
	if (tool_read_attr(c->t->fs, path, state, sizeof(state)))
		snprintf(state, sizeof(state), "unreadable");
	snprintf(path, sizeof(path), "%s/memory%" PRIu64 "/valid_zones", MEMORY_DIR, id);
	if (tool_read_attr(c->t->fs, path, zones, sizeof(zones)) || !zones[0])
		snprintf(zones, sizeof(zones), "unknown");
	if (strcmp(state, "online")) {
		strbuf_addf(c->t->err,
			    "%s: memory%" PRIu64 ": state reads '%s' after onlining (a race with "
			    "the kernel or a udev rule?)\n",
			    PROG, id, state);
		strbuf_addf(c->t->out, "memory%" PRIu64 ": onlined, now %s\n", id, state);
		return 0;
	}
	/* An online block's valid_zones names the one zone it is in. */
	strbuf_addf(c->t->out, "memory%" PRIu64 ": online, zone %s\n", id, zones);
	count_zone(zc, nzc, zones);
	return 0;
}

static int apply(struct configure *c)
{
	struct zone_count zc[8] = {0};
	size_t changed = 0, ok = 0, failed = 0;

	for (size_t i = 0; i < sizeof(write_order) / sizeof(write_order[0]); i++) {
		enum conf_key k = write_order[i];

		if (!c->conf.v[k].set || !c->change[k])
			continue;
		if (write_key(c, k)) {
			strbuf_addf(c->t->err, "%s: stopped: no block onlined\n", PROG);
			return 1;
		}
		changed++;
	}
	for (size_t i = 0; i < c->nr_offline; i++) {
		if (online_block(c, c->offline[i], zc, 8))
			failed++;
		else
			ok++;
	}
	strbuf_addf(c->t->out,
		    "configure: %zu setting%s changed, %zu of %zu offline block%s onlined", changed,
		    changed == 1 ? "" : "s", ok, c->nr_offline, c->nr_offline == 1 ? "" : "s");
	for (size_t i = 0; i < 8 && zc[i].name[0]; i++)
		strbuf_addf(c->t->out, "%s%s %zu", i ? ", " : " (", zc[i].name, zc[i].n);
	strbuf_add(c->t->out, zc[0].name[0] ? ")\n" : "\n");
	if (failed)
		return ok ? TOOL_EXIT_PARTIAL : 1;
	return 0;
}

/* The machine's parameters as they will be once the config is written. */
static void configured_params(const struct configure *c, struct live_params *p)
{
	const struct conf_value *v = c->conf.v;

	if (v[CONF_ONLINE_POLICY].set)
		p->online_policy = !strcmp(v[CONF_ONLINE_POLICY].value, "auto-movable")
				       ? ONLINE_POLICY_AUTO_MOVABLE
				       : ONLINE_POLICY_CONTIG_ZONES;
	if (v[CONF_AUTO_MOVABLE_RATIO].set)
		kstrtouint(v[CONF_AUTO_MOVABLE_RATIO].value, &p->auto_movable_ratio);
	if (v[CONF_AUTO_MOVABLE_NUMA_AWARE].set)
		kstrtobool(v[CONF_AUTO_MOVABLE_NUMA_AWARE].value, &p->auto_movable_numa_aware);
}

/* Each block's zone as the kernel would decide it with the configured
 * policy (live.c, the model's policy code on the live numbers), each
 * predicted block counting for the next; without the numbers, no zone. */
static void dry_run(struct configure *c)
{
	struct live_memory lm;
	struct live_params p;
	bool have = !live_read(c->t->fs, &lm, (char[128]){0}, 128);
	size_t changed = 0;

	for (int k = 0; k < CONF_NR_KEYS; k++)
		changed += c->conf.v[k].set && c->change[k];
	if (have) {
		p = lm.params;
		configured_params(c, &p);
	}
	for (size_t i = 0; i < c->nr_offline; i++) {
		struct live_block *b = have ? live_find_block(&lm, c->offline[i]) : NULL;
		struct zone_decision d;

		strbuf_addf(c->t->out, "memory%" PRIu64 ": would be onlined", c->offline[i]);
		if (b && !live_zone_for_block(&lm, b->id, MMOP_ONLINE, &p, &d)) {
			strbuf_addf(c->t->out, " -> %s", zone_name(d.zone));
			if (d.policy == ONLINE_POLICY_AUTO_MOVABLE)
				strbuf_addf(c->t->out, " (auto-movable, ratio %u: %s)",
					    d.auto_movable.ratio,
					    auto_movable_reason_name(d.auto_movable.reason));
			live_account_block(&lm, b, MEM_ONLINE, (int)d.zone);
		}
		strbuf_addf(c->t->out, "\n");
	}
	if (have)
		live_release(&lm);
	strbuf_addf(c->t->out,
		    "configure (dry run): would change %zu setting%s and online %zu offline "
		    "block%s; nothing written\n",
		    changed, changed == 1 ? "" : "s", c->nr_offline, c->nr_offline == 1 ? "" : "s");
}

/* ---- main ---- */

static const struct option options[] = {
    {"config", required_argument, NULL, 'c'},
    {"set", required_argument, NULL, 's'},
    {"dry-run", no_argument, NULL, 'n'},
    {"yes", no_argument, NULL, 'y'},
    {"sysroot", required_argument, NULL, 'S'},
    {"help", no_argument, NULL, 'h'},
    {0},
};

int tool_configure_main(struct tool_ctx *t, int argc, char **argv)
{
	struct configure c = {.t = t};
	const char *file = MEMHP_CONF_DEFAULT;
	bool named = false, yes = false;
	char **sets = calloc((size_t)argc + 1, sizeof(*sets));
	int nsets = 0, opt, rc = 1;

	if (!sets)
		return 1;
	tool_getopt_reset();
	opterr = 0; /* tools never print: our own message below */
	while ((opt = getopt_long(argc, argv, "+c:s:nyh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			file = optarg;
			named = true;
			break;
		case 's':
			sets[nsets++] = optarg;
			break;
		case 'n':
			c.dry_run = true;
			break;
		case 'y':
			yes = true;
			break;
		case 'S':
			if (tool_use_sysroot(t, PROG, optarg))
				goto out;
			break;
		case 'h':
			usage(t->out);
			rc = 0;
			goto out;
		default:
			strbuf_addf(t->err, "%s: bad option '%s'\n", PROG,
				    optind > 0 && optind <= argc ? argv[optind - 1] : "?");
			usage(t->err);
			rc = TOOL_EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		strbuf_addf(t->err, "%s: unexpected argument '%s'\n", PROG, argv[optind]);
		usage(t->err);
		rc = TOOL_EXIT_USAGE;
		goto out;
	}
	if (load_config(&c, file, named, sets, nsets) || check(&c))
		goto out;
	report_unchanged(&c);
	if (c.dry_run) {
		dry_run(&c);
		rc = 0;
		goto out;
	}
	{
		bool writes = c.nr_offline > 0;

		for (int k = 0; k < CONF_NR_KEYS; k++)
			writes |= c.conf.v[k].set && c.change[k];
		if (writes && tool_may_write(t, PROG, yes))
			goto out;
	}
	rc = apply(&c);
out:
	free(c.offline);
	free(sets);
	return rc;
}
