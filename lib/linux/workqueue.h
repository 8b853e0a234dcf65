/* Deferred work and timers on the kernel's clock: what a driver queues
 * with queue_work() and arms with mod_timer() (kernel/workqueue.c,
 * kernel/time/timer.c). The model has one worker that runs queued work
 * in order, and one clock, advanced only by whoever runs the machine
 * (a scenario's sleep): work takes no time. */
#ifndef MEMHP_WORKQUEUE_H
#define MEMHP_WORKQUEUE_H

#include <stdbool.h>
#include <stdint.h>

struct kernel;

#define NSEC_PER_SEC 1000000000ULL

struct work_struct {
	void (*func)(struct work_struct *w);
	bool pending;
	struct work_struct *next; /* in the queue */
};

struct timer_list {
	void (*func)(struct timer_list *t);
	uint64_t expires; /* ns on the kernel's clock */
	bool armed;
	struct timer_list *next; /* among armed timers, soonest first */
};

struct workqueue {
	uint64_t now; /* ns since boot */
	struct work_struct *head, *tail;
	struct timer_list *timers;
};

static inline void INIT_WORK(struct work_struct *w, void (*func)(struct work_struct *))
{
	*w = (struct work_struct){.func = func};
}

static inline void timer_setup(struct timer_list *t, void (*func)(struct timer_list *))
{
	*t = (struct timer_list){.func = func};
}

/* Queues w unless it is already pending (a running item may be queued
 * again). Returns whether it was queued. */
bool queue_work(struct kernel *k, struct work_struct *w);
/* Takes w off the queue if it is pending; returns whether it was. */
bool cancel_work(struct kernel *k, struct work_struct *w);

/* Arms (or re-arms) t to fire at expires; del_timer() disarms it. */
void mod_timer(struct kernel *k, struct timer_list *t, uint64_t expires);
bool del_timer(struct kernel *k, struct timer_list *t);
static inline bool timer_pending(const struct timer_list *t)
{
	return t->armed;
}

/* Runs queued work, and the work it queues, until none is left: the
 * number of items run, or -ELOOP past a bound (the rest is dropped). */
int kernel_run_work(struct kernel *k);
/* Whether work is queued. */
bool kernel_work_pending(const struct kernel *k);
/* The expiry of the soonest armed timer: true with *when set, or false. */
bool kernel_next_timer(const struct kernel *k, uint64_t *when);
/* Moves the clock to now (never back), firing every timer due by then in
 * expiry order with the clock at its expiry. Fired timers only queue
 * work; run it with kernel_run_work(). */
void kernel_clock_advance(struct kernel *k, uint64_t now);

#endif
