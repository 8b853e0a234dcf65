/* memhp online / offline (chmem.h). The selection, the order and the exit
 * codes are chmem's (util-linux 2.38.1): a size takes blocks in ascending
 * order to online and descending order to offline, skipping those already
 * there; a range goes through its blocks in ascending order; 64 means
 * some but not all succeeded. The zone is memhp's own: --zone, --policy
 * (decided here by online_policy.c from the live numbers), or the
 * kernel's `online`, where chmem would prefer Movable whenever valid. */
#include "chmem.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "linux_errno.h"
#include "live.h"
#include "strparse.h"

struct chmem {
	struct tool_ctx *t;
	const char *prog;
	bool enable, use_blocks, verbose, dry_run, yes;
	int zone;		   /* --zone, or -1 */
	bool policy;		   /* --policy given: decide here */
	struct live_params params; /* the machine's, with --policy/--ratio/... */
	struct live_params opt;	   /* what the options said */
	bool has_ratio, has_numa;
	bool is_size;
	uint64_t size;	     /* blocks, for a size */
	uint64_t start, end; /* blocks, for a range (inclusive) */
	struct live_memory lm;
	uint64_t done;
};

int chmem_parse_size(const char *s, uint64_t *bytes)
{
	static const char suffixes[] = "KMGTPE";
	uint64_t v = 0, frac = 0, div = 1, mult = 1;
	const char *p = s, *sfx;
	unsigned int base = 1024;
	bool digits = false;

	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (div < 1000000000ULL) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				div *= 10;
			}
	if (!digits)
		return -EINVAL;
	if (!*p) {
		*bytes = v * 1024 * 1024; /* chmem: a bare number is MiB */
		return v > UINT64_MAX / (1024 * 1024) ? -ERANGE : 0;
	}
	sfx = strchr(suffixes, *p >= 'a' ? *p - 'a' + 'A' : *p);
	if (!sfx || !*sfx)
		return -EINVAL;
	p++;
	if (!strcmp(p, "B"))
		base = 1000;
	else if (*p && strcmp(p, "iB"))
		return -EINVAL;
	for (long i = 0; i <= sfx - suffixes; i++) {
		if (mult > UINT64_MAX / base)
			return -ERANGE;
		mult *= base;
	}
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*bytes = v * mult + frac * (mult / div) + (frac * (mult % div)) / div;
	return 0;
}

static void block_name(const struct chmem *c, uint64_t id, char *buf, size_t len)
{
	uint64_t bs = c->lm.block_size;

	snprintf(buf, len, "Memory Block %" PRIu64 " (0x%016" PRIx64 "-0x%016" PRIx64 ")", id,
		 id * bs, id * bs + bs - 1);
}

/* The block's valid_zones, or "" (kernels before 4.x, s390). */
static void valid_zones(const struct chmem *c, uint64_t id, char *buf, size_t len)
{
	char path[128], *v;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%" PRIu64 "/valid_zones", id);
	buf[0] = '\0';
	if (vfs_read(c->t->fs, path, &v) < 0)
		return;
	v[strcspn(v, "\n")] = '\0';
	snprintf(buf, len, "%s", v);
	free(v);
}

/* Whether zone name z is a word of the list. */
static bool has_zone(const char *list, const char *z)
{
	size_t n = strlen(z);

	for (const char *p = list; *p; p += strcspn(p, " "), p += *p == ' ')
		if (!strncasecmp(p, z, n) && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* What to write to the block's state, and the zone expected (-1: the
 * kernel decides). 1: skip the block (zone not valid for it). */
static int choose(struct chmem *c, const struct live_block *b, const char **what, int *zone,
		  char *why, size_t whylen)
{
	char vz[128];
	struct zone_decision d;

	*zone = -1;
	why[0] = '\0';
	if (!c->enable) {
		*what = "offline";
		if (c->zone >= 0) {
			valid_zones(c, b->id, vz, sizeof(vz));
			if (strncasecmp(vz, zone_name(c->zone), strlen(zone_name(c->zone))))
				return 1;
		}
		return 0;
	}
	if (c->zone >= 0) {
		valid_zones(c, b->id, vz, sizeof(vz));
		if (vz[0] && !has_zone(vz, zone_name(c->zone)))
			return 1;
		*zone = c->zone;
	} else if (c->policy || c->dry_run) {
		/* --policy decides; a dry run predicts the kernel's `online`. */
		if (!live_zone_for_block(&c->lm, b->id, MMOP_ONLINE, &c->params, &d)) {
			*zone = (int)d.zone;
			if (d.policy == ONLINE_POLICY_AUTO_MOVABLE)
				snprintf(why, whylen, "auto-movable, ratio %u: %s",
					 d.auto_movable.ratio,
					 auto_movable_reason_name(d.auto_movable.reason));
			else
				snprintf(why, whylen, "contig-zones");
		}
	}
	if (!c->policy && c->zone < 0)
		*what = "online";
	else
		*what = *zone == ZONE_MOVABLE ? "online_movable" : "online_kernel";
	return 0;
}

/* Re-reads the block after a write and reports what does not match:
 * another writer (a udev rule, an agent) or the kernel moved first. A
 * sysroot's plain file reads back what was written: that is no kernel,
 * and the block counts as the write asked. */
static void check_after(struct chmem *c, struct live_block *b, const char *what, int want_zone,
			const char *name)
{
	enum memory_block_state want = c->enable ? MEM_ONLINE : MEM_OFFLINE, st;
	char path[128], *raw;
	int zone, ret;

	snprintf(path, sizeof(path), MEMORY_DIR "/memory%" PRIu64 "/state", b->id);
	ret = vfs_read(c->t->fs, path, &raw);
	if (!ret) {
		bool echo = !strcmp(raw, what) ||
			    (strlen(raw) == strlen(what) + 1 && !strncmp(raw, what, strlen(what)));

		free(raw);
		if (echo && strcmp(what, "online") && strcmp(what, "offline")) {
			live_account_block(&c->lm, b, want, want_zone);
			return;
		}
		ret = live_reread_block(c->t->fs, &c->lm, b->id, &st, &zone);
	}
	if (ret) {
		strbuf_addf(c->t->err, "%s: %s: cannot re-read: %s\n", c->prog, name,
			    linux_strerror(ret));
		return;
	}
	if (st != want)
		strbuf_addf(c->t->err,
			    "%s: %s: state is %s after writing, not %s: changed by someone else\n",
			    c->prog, name, st ? memory_block_state_name(st) : "unknown",
			    memory_block_state_name(want));
	else if (want_zone >= 0 && zone >= 0 && zone != want_zone)
		strbuf_addf(c->t->err, "%s: %s: onlined to %s, expected %s\n", c->prog, name,
			    zone_name(zone), zone_name(want_zone));
	live_account_block(&c->lm, b, st, zone);
}

/* One block: 0 done, 1 skipped, <0 the write's error. */
static int change(struct chmem *c, struct live_block *b, bool in_range)
{
	const char *what, *verb = c->enable ? "enable" : "disable";
	char name[96], why[96];
	int zone, ret;

	block_name(c, b->id, name, sizeof(name));
	if (choose(c, b, &what, &zone, why, sizeof(why))) {
		if (in_range)
			strbuf_addf(c->t->err, "%s: %s %s failed: Zone mismatch\n", c->prog, name,
				    verb);
		return 1;
	}
	if (c->dry_run) {
		strbuf_addf(c->t->out, "would write %s: %s", what, name);
		if (zone >= 0)
			strbuf_addf(c->t->out, " -> %s%s%s%s", zone_name(zone), why[0] ? " (" : "",
				    why, why[0] ? ")" : "");
		strbuf_addf(c->t->out, "\n");
		live_account_block(&c->lm, b, c->enable ? MEM_ONLINE : MEM_OFFLINE, zone);
		return 0;
	}
	{
		char path[128], buf[32];

		snprintf(path, sizeof(path), MEMORY_DIR "/memory%" PRIu64 "/state", b->id);
		snprintf(buf, sizeof(buf), "%s\n", what);
		ret = vfs_write(c->t->fs, path, buf);
	}
	if (ret == -EINTR) {
		c->t->interrupted = true; /* the real tool is killed here */
		return ret;
	}
	if (ret) {
		strbuf_addf(c->t->err, "%s: %s %s failed: %s\n", c->prog, name, verb,
			    linux_strerror(ret));
		return ret;
	}
	check_after(c, b, what, zone, name);
	if (c->verbose) {
		strbuf_addf(c->t->out, "%s %sd", name, verb);
		if (c->enable && b->zone >= 0)
			strbuf_addf(c->t->out, " (%s)", zone_name(b->zone));
		strbuf_addf(c->t->out, "\n");
	}
	return 0;
}

/* chmem_size(): the first `size` blocks not yet in the target state. */
static int by_size(struct chmem *c)
{
	size_t n = c->lm.nr_blocks;
	enum memory_block_state target = c->enable ? MEM_ONLINE : MEM_OFFLINE;

	for (size_t k = 0; k < n && c->done < c->size && !c->t->interrupted; k++) {
		struct live_block *b = &c->lm.blocks[c->enable ? k : n - 1 - k];

		if (b->state == target)
			continue;
		if (!change(c, b, false))
			c->done++;
	}
	if (c->done < c->size) {
		char h[32];

		size_to_human_string(c->done * c->lm.block_size, h, sizeof(h));
		strbuf_addf(c->t->err, "%s: Could only %s %s of memory\n", c->prog,
			    c->enable ? "enable" : "disable", h);
	}
	return c->done == c->size ? 0 : c->done ? TOOL_EXIT_PARTIAL : 1;
}

/* chmem_range(): every block of [start, end]; missing ones stay to do. */
static int by_range(struct chmem *c)
{
	enum memory_block_state target = c->enable ? MEM_ONLINE : MEM_OFFLINE;
	uint64_t todo = c->end - c->start + 1, total = todo;

	for (size_t k = 0; k < c->lm.nr_blocks && !c->t->interrupted; k++) {
		struct live_block *b = &c->lm.blocks[k];
		char name[96];

		if (b->id < c->start)
			continue;
		if (b->id > c->end)
			break;
		if (b->state == target) {
			block_name(c, b->id, name, sizeof(name));
			if (c->verbose)
				strbuf_addf(c->t->out, "%s already %s\n", name,
					    c->enable ? "enabled" : "disabled");
			todo--;
			continue;
		}
		if (!change(c, b, true))
			todo--;
	}
	return !todo ? 0 : todo == total ? 1 : TOOL_EXIT_PARTIAL;
}

static int parse_u64(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || *end ? -EINVAL : 0;
}

/* chmem's parse_parameter(): SIZE, START-END addresses, or with -b a
 * block or a block range. */
static int parse_request(struct chmem *c, const char *arg)
{
	const char *dash = strchr(arg, '-');
	uint64_t bs = c->lm.block_size;
	char first[64];

	if (dash && strchr(dash + 1, '-')) {
		strbuf_addf(c->t->err, "%s: Invalid parameter: %s\n", c->prog, arg);
		return -EINVAL;
	}
	if (!dash && c->use_blocks) {
		if (parse_u64(arg, 10, &c->start)) {
			strbuf_addf(c->t->err, "%s: Failed to parse block number: '%s'\n", c->prog,
				    arg);
			return -EINVAL;
		}
		c->end = c->start;
		return 0;
	}
	if (!dash) {
		if (chmem_parse_size(arg, &c->size)) {
			strbuf_addf(c->t->err, "%s: Failed to parse size: '%s'\n", c->prog, arg);
			return -EINVAL;
		}
		if (c->size % bs) {
			char h[32];

			size_to_human_string(bs, h, sizeof(h));
			strbuf_addf(c->t->err,
				    "%s: Size must be aligned to memory block size (%s)\n", c->prog,
				    h);
			return -EINVAL;
		}
		c->is_size = true;
		c->size /= bs;
		return 0;
	}
	snprintf(first, sizeof(first), "%.*s", (int)(dash - arg), arg);
	if (c->use_blocks) {
		if (parse_u64(first, 10, &c->start) || parse_u64(dash + 1, 10, &c->end)) {
			strbuf_addf(c->t->err, "%s: Failed to parse block range: '%s'\n", c->prog,
				    arg);
			return -EINVAL;
		}
	} else {
		if (strncmp(first, "0x", 2) || strncmp(dash + 1, "0x", 2) ||
		    parse_u64(first + 2, 16, &c->start) || parse_u64(dash + 3, 16, &c->end)) {
			strbuf_addf(c->t->err,
				    "%s: Invalid address range: %s (expected 0xSTART-0xEND)\n",
				    c->prog, arg);
			return -EINVAL;
		}
		if (c->start % bs || (c->end + 1) % bs) {
			char h[32];

			size_to_human_string(bs, h, sizeof(h));
			strbuf_addf(c->t->err,
				    "%s: Start address and (end address + 1) must be aligned to "
				    "memory block size (%s)\n",
				    c->prog, h);
			return -EINVAL;
		}
		c->start /= bs;
		c->end /= bs;
	}
	if (c->start > c->end) {
		strbuf_addf(c->t->err, "%s: Invalid range: %s\n", c->prog, arg);
		return -EINVAL;
	}
	return 0;
}

static void usage(struct chmem *c, struct strbuf *sb)
{
	strbuf_addf(
	    sb,
	    "Usage:\n %s [options] SIZE|START-END|BLOCK|FIRST-LAST\n\n"
	    "%s memory blocks, as chmem %s does.\n\n"
	    "Options:\n"
	    " -b, --blocks            use memory block numbers instead of addresses\n"
	    " -z, --zone ZONE         %s\n"
	    " -p, --policy POLICY     auto-movable or contig-zones: decide each zone here\n"
	    "                         from the live numbers (default: the kernel's online)\n"
	    " -r, --ratio N           auto_movable_ratio for --policy\n"
	    "     --numa-aware y|n    auto_movable_numa_aware for --policy\n"
	    " -n, --dry-run           say what would be written, write nothing\n"
	    " -v, --verbose           one line per block\n"
	    " -y, --yes               change this machine's memory (root only)\n"
	    " -s, --sysroot DIR       work on the tree under DIR\n"
	    " -h, --help              this text\n",
	    c->prog, c->enable ? "Online" : "Offline", c->enable ? "-e" : "-d",
	    c->enable ? "online into ZONE (Normal, Movable, DMA32, DMA)"
		      : "only blocks online in ZONE");
}

enum { OPT_NUMA_AWARE = 256 };

static int parse_options(struct chmem *c, int argc, char **argv, const char **sysroot,
			 const char **request)
{
	static const struct option opts[] = {
	    {"blocks", no_argument, NULL, 'b'},
	    {"zone", required_argument, NULL, 'z'},
	    {"policy", required_argument, NULL, 'p'},
	    {"ratio", required_argument, NULL, 'r'},
	    {"numa-aware", required_argument, NULL, OPT_NUMA_AWARE},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"yes", no_argument, NULL, 'y'},
	    {"sysroot", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *policy = NULL, *ratio = NULL, *numa = NULL;
	int opt;

	tool_getopt_reset();
	while ((opt = getopt_long(argc, argv, "+bz:p:r:nvys:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			c->use_blocks = true;
			break;
		case 'z':
			/* Any case, as chmem's zone_name_to_id(). */
			for (int z = 0; z < MAX_NR_ZONES && c->zone < 0; z++)
				if (!strcasecmp(optarg, zone_name(z)))
					c->zone = z;
			if (c->zone < 0) {
				strbuf_addf(c->t->err,
					    "%s: unknown zone '%s' (expected DMA, DMA32, Normal or "
					    "Movable)\n",
					    c->prog, optarg);
				return TOOL_EXIT_USAGE;
			}
			break;
		case 'p':
			policy = optarg;
			break;
		case 'r':
			ratio = optarg;
			break;
		case OPT_NUMA_AWARE:
			numa = optarg;
			break;
		case 'n':
			c->dry_run = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'y':
			c->yes = true;
			break;
		case 's':
			*sysroot = optarg;
			break;
		case 'h':
			usage(c, c->t->out);
			return -1;
		default:
			strbuf_addf(c->t->err, "%s: bad option '%s'\n", c->prog,
				    argv[optind - 1] ? argv[optind - 1] : "");
			usage(c, c->t->err);
			return TOOL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		strbuf_addf(c->t->err, "%s: expected one SIZE, RANGE or BLOCK argument\n", c->prog);
		return TOOL_EXIT_USAGE;
	}
	*request = argv[optind];
	if (c->zone >= 0 && policy) {
		strbuf_addf(c->t->err, "%s: --zone and --policy exclude each other\n", c->prog);
		return TOOL_EXIT_USAGE;
	}
	if (!c->enable && (policy || ratio || numa)) {
		strbuf_addf(c->t->err, "%s: --policy, --ratio and --numa-aware are for online\n",
			    c->prog);
		return TOOL_EXIT_USAGE;
	}
	if ((ratio || numa) && !policy) {
		strbuf_addf(c->t->err, "%s: --ratio and --numa-aware need --policy\n", c->prog);
		return TOOL_EXIT_USAGE;
	}
	if (policy && strcmp(policy, "auto-movable") && strcmp(policy, "contig-zones")) {
		strbuf_addf(c->t->err,
			    "%s: unknown policy '%s' (expected auto-movable or contig-zones)\n",
			    c->prog, policy);
		return TOOL_EXIT_USAGE;
	}
	c->policy = policy != NULL;
	c->has_ratio = ratio != NULL;
	c->has_numa = numa != NULL;
	c->opt.online_policy = policy && !strcmp(policy, "auto-movable")
				   ? ONLINE_POLICY_AUTO_MOVABLE
				   : ONLINE_POLICY_CONTIG_ZONES;
	if (ratio && kstrtouint(ratio, &c->opt.auto_movable_ratio)) {
		strbuf_addf(c->t->err, "%s: --ratio: expected an unsigned integer, got '%s'\n",
			    c->prog, ratio);
		return TOOL_EXIT_USAGE;
	}
	if (numa && kstrtobool(numa, &c->opt.auto_movable_numa_aware)) {
		strbuf_addf(c->t->err, "%s: --numa-aware: expected y or n, got '%s'\n", c->prog,
			    numa);
		return TOOL_EXIT_USAGE;
	}
	return 0;
}

static int chmem_main(struct tool_ctx *t, int argc, char **argv, bool enable)
{
	struct chmem c = {.t = t, .enable = enable, .zone = -1};
	const char *sysroot = NULL, *request = NULL;
	char err[256];
	int ret;

	c.prog = enable ? "memhp online" : "memhp offline";
	ret = parse_options(&c, argc, argv, &sysroot, &request);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (sysroot && tool_use_sysroot(t, c.prog, sysroot))
		return 1;
	if (!c.dry_run && tool_may_write(t, c.prog, c.yes))
		return 1;
	ret = live_read(t->fs, &c.lm, err, sizeof(err));
	if (ret) {
		strbuf_addf(t->err, "%s: Failed to read %s\n", c.prog, err);
		return 1;
	}
	/* The machine's parameters, with what the options changed. */
	c.params = c.lm.params;
	if (c.policy)
		c.params.online_policy = c.opt.online_policy;
	if (c.has_ratio)
		c.params.auto_movable_ratio = c.opt.auto_movable_ratio;
	if (c.has_numa)
		c.params.auto_movable_numa_aware = c.opt.auto_movable_numa_aware;
	ret = parse_request(&c, request);
	if (!ret)
		ret = c.is_size ? by_size(&c) : by_range(&c);
	else
		ret = 1;
	live_release(&c.lm);
	return ret;
}

int tool_online_main(struct tool_ctx *t, int argc, char **argv)
{
	return chmem_main(t, argc, argv, true);
}

int tool_offline_main(struct tool_ctx *t, int argc, char **argv)
{
	return chmem_main(t, argc, argv, false);
}
