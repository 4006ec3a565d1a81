/*
 * bench-trace.c: the CPU cost of tracing per tool call and per span.
 *
 * A tool call passes three events (tool_call, approval, tool_result) that
 * the agent records; with tracing on, each goes through tracer_event() and
 * the ended span is encoded into an OTLP batch (protobuf and JSON, 512
 * spans a batch as the exporter sends them).  Tracing off is the same loop
 * with a NULL tracer (what agent.c does without an endpoint).  Sending is
 * asynchronous (libcurl in the loop) and not measured: the figure is what
 * the loop spends, so it is also the latency added to a tool call.
 *
 *	bench/bench-trace [N]		N tool calls (default 100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentos.h"
#include "trace.h"

#define BATCH	512

static struct trace_span	batch[BATCH];
static size_t			nbatch;
static int			use_json;
static struct trace_config	cfg;
static size_t			bytes;

static double
now_cpu_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static void
flush(void)
{
	struct buf	b;
	size_t		i;

	buf_init(&b, 0);
	if (use_json)
		trace_encode_json(&b, &cfg, batch, nbatch);
	else
		trace_encode_pb(&b, &cfg, batch, nbatch);
	bytes += b.len;
	buf_release(&b);
	for (i = 0; i < nbatch; i++)
		trace_span_release(&batch[i]);
	nbatch = 0;
}

static void
sink(void *arg, struct trace_span *sp)
{
	(void)arg;
	batch[nbatch++] = *sp;
	free(sp);
	if (nbatch == BATCH)
		flush();
}

/* n tool calls through tr (NULL: tracing off); CPU µs per call. */
static double
run(struct tracer *tr, size_t n, json_t **ev)
{
	double	t0 = now_cpu_us();
	size_t	i;
	char	id[32];

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "toolu_%zu", i);
		json_object_set_new(ev[0], "id", json_string(id));
		json_object_set_new(ev[1], "id", json_string(id));
		json_object_set_new(ev[2], "id", json_string(id));
		tracer_event(tr, EV_TOOL_CALL, ev[0], (int64_t)i);
		tracer_event(tr, EV_APPROVAL, ev[1], (int64_t)i);
		tracer_event(tr, EV_TOOL_RESULT, ev[2], (int64_t)i + 1);
	}
	if (tr != NULL && nbatch > 0)
		flush();
	return ((now_cpu_us() - t0) / (double)n);
}

int
main(int argc, char **argv)
{
	struct tracer	*tr;
	json_t		*ev[3];
	size_t		 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	double		 off, pb, js;

	if (n == 0)
		n = 1;
	trace_config_env(&cfg, "http://127.0.0.1:4318/v1/traces", NULL);
	ev[0] = json_pack("{s:s,s:s,s:{s:s}}", "id", "", "name", "read_file",
	    "input", "path", "src/agent.c");
	ev[1] = json_pack("{s:s,s:s,s:s}", "id", "", "decision", "allow",
	    "by", "policy");
	ev[2] = json_pack("{s:s,s:s,s:b,s:i,s:i}", "id", "", "content",
	    "hello", "is_error", 0, "duration_ms", 1, "bytes", 5);

	off = run(NULL, n, ev);
	tr = tracer_create(&cfg, "bench", 0, sink, NULL);
	use_json = 0;
	bytes = 0;
	pb = run(tr, n, ev);
	printf("tool calls: %zu, one execute_tool span each\n", n);
	printf("tracing off:            %8.3f us CPU per tool call\n", off);
	printf("tracing on, protobuf:   %8.3f us CPU per tool call/span "
	    "(%zu bytes per span)\n", pb, bytes / n);
	use_json = 1;
	bytes = 0;
	js = run(tr, n, ev);
	printf("tracing on, json:       %8.3f us CPU per tool call/span "
	    "(%zu bytes per span)\n", js, bytes / n);
	tracer_free(tr, (int64_t)n);
	if (nbatch > 0) {
		use_json = 0;
		flush();
	}
	json_decref(ev[0]);
	json_decref(ev[1]);
	json_decref(ev[2]);
	trace_config_release(&cfg);
	return (0);
}
