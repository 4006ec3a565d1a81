/* cli-trace.c: agentos trace --otlp: a past session's spans to a collector. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentos.h"
#include "trace.h"
#include "banned.h"

int
cli_trace_otlp(const char *url, const char *session, const struct event *evs,
    size_t n)
{
	struct trace_config	 cfg;
	struct tracer		*tr;
	size_t			 i, sent, dropped;
	int64_t			 start, end;

	trace_config_env(&cfg, url, config_trace_getenv);
	if (cfg.traces_url == NULL) {
		fprintf(stderr, "agentos: trace --otlp: no URL and no "
		    "OTEL_EXPORTER_OTLP_ENDPOINT or "
		    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT\n");
		trace_config_release(&cfg);
		return (2);
	}
	start = n > 0 ? evs[0].time_ms : (int64_t)loop_wall_ms();
	end = n > 0 ? evs[n - 1].time_ms : start;
	trace_export_start(&cfg);
	/* The stored times: the spans are where the run was. */
	tr = tracer_create(&cfg, session, start, NULL, NULL);
	for (i = 0; i < n; i++) {
		if (evs[i].invalid == NULL)
			tracer_event(tr, evs[i].type, evs[i].data,
			    evs[i].time_ms);
	}
	tracer_free(tr, end);
	/* A command waits for delivery: longer than the exit flush. */
	trace_export_stop(30000, &sent, &dropped);
	if (dropped > 0)
		fprintf(stderr, "agentos: trace: %zu span%s sent, %zu not "
		    "delivered to %s\n", sent, sent == 1 ? "" : "s", dropped,
		    cfg.traces_url);
	else
		printf("session %s: %zu span%s sent to %s\n", session, sent,
		    sent == 1 ? "" : "s", cfg.traces_url);
	trace_config_release(&cfg);
	return (dropped > 0 ? 1 : 0);
}
