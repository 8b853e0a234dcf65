/* The kernel's one worker and its timer wheel, reduced to an ordered list
 * (a handful of timers: one retry timer per virtio-mem device). */
#include "workqueue.h"

#include <errno.h>

#include "kernel.h"

/* More work items than this in one run means work keeps queueing work. */
#define MAX_WORK_PER_RUN (1u << 24)

bool queue_work(struct kernel *k, struct work_struct *w)
{
	struct workqueue *wq = &k->wq;

	if (w->pending)
		return false;
	w->pending = true;
	w->next = NULL;
	if (wq->tail)
		wq->tail->next = w;
	else
		wq->head = w;
	wq->tail = w;
	return true;
}

bool cancel_work(struct kernel *k, struct work_struct *w)
{
	struct workqueue *wq = &k->wq;
	struct work_struct **p = &wq->head, *prev = NULL;

	if (!w->pending)
		return false;
	while (*p && *p != w) {
		prev = *p;
		p = &(*p)->next;
	}
	if (*p) {
		*p = w->next;
		if (wq->tail == w)
			wq->tail = prev;
	}
	w->pending = false;
	w->next = NULL;
	return true;
}

bool del_timer(struct kernel *k, struct timer_list *t)
{
	struct timer_list **p = &k->wq.timers;

	if (!t->armed)
		return false;
	while (*p && *p != t)
		p = &(*p)->next;
	if (*p)
		*p = t->next;
	t->armed = false;
	t->next = NULL;
	return true;
}

void mod_timer(struct kernel *k, struct timer_list *t, uint64_t expires)
{
	struct timer_list **p = &k->wq.timers;

	del_timer(k, t);
	/* Equal expiries fire in the order they were armed. */
	while (*p && (*p)->expires <= expires)
		p = &(*p)->next;
	t->expires = expires;
	t->armed = true;
	t->next = *p;
	*p = t;
}

int kernel_run_work(struct kernel *k)
{
	struct workqueue *wq = &k->wq;
	unsigned int done = 0;

	while (wq->head) {
		struct work_struct *w = wq->head;

		if (done == MAX_WORK_PER_RUN) {
			while (wq->head)
				cancel_work(k, wq->head);
			return -ELOOP;
		}
		wq->head = w->next;
		if (!wq->head)
			wq->tail = NULL;
		w->next = NULL;
		/* Cleared first, so the item may queue itself again. */
		w->pending = false;
		w->func(w);
		done++;
	}
	return (int)done;
}

bool kernel_work_pending(const struct kernel *k)
{
	return k->wq.head != NULL;
}

bool kernel_next_timer(const struct kernel *k, uint64_t *when)
{
	if (!k->wq.timers)
		return false;
	*when = k->wq.timers->expires;
	return true;
}

void kernel_clock_advance(struct kernel *k, uint64_t now)
{
	struct workqueue *wq = &k->wq;

	while (wq->timers && wq->timers->expires <= now) {
		struct timer_list *t = wq->timers;

		if (t->expires > wq->now)
			wq->now = t->expires;
		del_timer(k, t);
		t->func(t);
	}
	if (now > wq->now)
		wq->now = now;
}
