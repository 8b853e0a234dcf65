/* libFuzzer harness: the stream guest/memhp-snapshot prints on a real
 * guest, parsed as the QEMU backend parses it, then turned into the
 * snapshot JSON (snapshot_from_vfs over the captured tree) and listed by
 * memhp ls (lsmem_print over the same tree: every attribute lsmem parses,
 * with column and split lists taken from the input's first bytes), read
 * by the live reader (live.c: blocks, node links, firmware nodes,
 * /proc/zoneinfo, /proc/iomem, /proc/cmdline) with the zone `online`
 * would pick for every block, a dry run of memhp online over it, and memhp
 * doctor over it (udev rules, daxctl config and the rest are files of the
 * tree: "@@F /etc/udev/rules.d/NAME.rules" seeds them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "live.h"
#include "lsmem.h"
#include "strbuf.h"
#include "sysfs_capture.h"
#include "tool.h"
#include "vfs.h"

/* memhp ls over the tree, in a format and with columns the input picks. */
static void fuzz_ls(const struct sysfs_capture *cap, const uint8_t *data, size_t size)
{
	/* The last is one column more than -o takes. */
	static const char too_many[] = "ZONES,ZONES,NODE,NODE,STATE,STATE,SIZE,SIZE,BLOCK,BLOCK,"
				       "RANGE,RANGE,REMOVABLE,REMOVABLE,ZONES";
	static const char *const lists[] = {"+ZONES,NODE", "range,size", "STATE", "bogus", "+",
					    too_many};
	struct memhp_ls_options o = {.want_table = true, .want_summary = true};
	uint8_t b = size ? data[0] : 0, c = size > 1 ? data[1] : 0;
	char err[256], bad[64];
	struct vfs fs;
	FILE *out = fopen("/dev/null", "w");

	if (!out)
		return;
	o.format = (enum memhp_ls_format)(b & 3);
	o.all = b & 4;
	o.bytes = b & 8;
	o.noheadings = b & 16;
	o.want_table = !(b & 32) || o.format != MEMHP_LS_TABLE;
	o.want_summary = o.format == MEMHP_LS_TABLE;
	o.nr_columns = 5;
	for (int i = 0; i < 5; i++)
		o.columns[i] = i;
	memhp_ls_columns(lists[c % 6], o.columns, sizeof(o.columns) / sizeof(o.columns[0]),
			 &o.nr_columns, bad, sizeof(bad));
	if (b & 64) {
		o.split_set = true;
		memhp_ls_columns(lists[(c / 6) % 6], o.split, MEMHP_LS_NR_COLUMNS, &o.nr_split, bad,
				 sizeof(bad));
	}
	sysfs_capture_vfs(cap, &fs);
	lsmem_print(&fs, &o, out, err, sizeof(err));
	fclose(out);
}

/* The live reader and the policy over the tree; memhp online --dry-run
 * with a policy the input picks. */
static void fuzz_live(const struct sysfs_capture *cap, uint8_t b)
{
	static const char *const policies[] = {"auto-movable", "contig-zones"};
	char *argv[] = {"online", "--dry-run", "--policy", (char *)policies[b & 1], "--ratio",
			b & 2 ? "0" : "301", b & 4 ? "1G" : "-b", b & 4 ? NULL : "0-4095", NULL};
	struct strbuf out = {0}, err = {0};
	struct live_memory lm;
	struct zone_decision d;
	char why[256];
	struct vfs fs;
	struct tool_ctx t = {.fs = &fs, .out = &out, .err = &err};

	sysfs_capture_vfs(cap, &fs);
	if (!live_read(&fs, &lm, why, sizeof(why))) {
		for (size_t i = 0; i < lm.nr_blocks && i < 4096; i++)
			live_zone_for_block(&lm, lm.blocks[i].id, MMOP_ONLINE, NULL, &d);
		live_release(&lm);
	}
	tool_find("online")->main(&t, b & 4 ? 7 : 8, argv);
	strbuf_reset(&out);
	strbuf_reset(&err);
	tool_find("doctor")->main(&t, 1, (char *[]){"doctor", NULL});
	strbuf_release(&out);
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sysfs_capture cap;
	struct json_object *snap;
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (!sysfs_capture_parse(text, &cap)) {
		snap = sysfs_capture_snapshot(&cap, "fuzz", 0, json_object_new_array());
		if (snap)
			json_object_to_json_string(snap);
		json_object_put(snap);
		fuzz_ls(&cap, data, size);
		fuzz_live(&cap, size > 2 ? data[2] : 0);
		sysfs_capture_release(&cap);
	}
	free(text);
	return 0;
}
