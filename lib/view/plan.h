/* memhp plan: what a control plane needs to know before it resizes a VM.
 * Per memory device, how much could be unplugged now, how much more once
 * movable pages migrate, and which blocks hold the rest back by what; how
 * much more can be plugged before the ratio sends new memory to a kernel
 * zone. Per node, the free memory and how much can still be hot-added
 * with the kernel memory free for memmaps. Reads the machine only. */
#ifndef MEMHP_PLAN_H
#define MEMHP_PLAN_H

struct json_object;
struct machine;
struct strbuf;

/* The plan as JSON (NULL when out of memory). */
struct json_object *plan_machine(const struct machine *m);
/* Plain text a person can check by hand. */
void plan_format_text(struct json_object *plan, struct strbuf *sb);

#endif
