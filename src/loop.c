/* loop.c: the process-wide libevent loop, timers and clocks. */
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "agentos.h"
#include "banned.h"

struct event_base *loop_base;

struct loop_timer {
	struct event	*ev;
	void		(*cb)(void *);
	void		*arg;
};

void
loop_init(void)
{
	if (loop_base != NULL)
		return;
	if ((loop_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
}

int
loop_run(void)
{
	return (event_base_dispatch(loop_base) == -1 ? -1 : 0);
}

void
loop_exit(void)
{
	event_base_loopbreak(loop_base);
}

void
loop_free(void)
{
	/*
	 * Run what is due once more: deferred frees (requests, jobs) wait on
	 * zero-delay timers, and their owners are gone by now.
	 */
	if (loop_base != NULL) {
		event_base_loop(loop_base, EVLOOP_NONBLOCK);
		event_base_free(loop_base);
	}
	loop_base = NULL;
}

/* Fire a one-shot timer and free it. */
static void
loop_timer_fire(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer	*t = arg;
	void			(*cb)(void *) = t->cb;
	void			*cbarg = t->arg;

	event_free(t->ev);
	free(t);
	cb(cbarg);
}

struct loop_timer *
loop_timer_add(unsigned int ms, void (*cb)(void *), void *arg)
{
	struct loop_timer	*t = xcalloc(1, sizeof *t);
	struct timeval		 tv;

	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(loop_base, loop_timer_fire, t);
	if (t->ev == NULL)
		fatalx("evtimer_new failed");
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(t->ev, &tv);
	return (t);
}

void
loop_timer_cancel(struct loop_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

uint64_t
loop_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

uint64_t
loop_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
