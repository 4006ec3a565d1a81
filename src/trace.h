/*
 * trace.h: OpenTelemetry spans of a session, exported over OTLP/HTTP.
 *
 * A tracer turns the session's events, as they are recorded (agent.c's
 * agent_event()) or as they are read back from the log (agentos trace
 * --otlp), into spans: the session (root, gen_ai.operation.name
 * invoke_agent), one per turn, one per model call (chat) and one per tool
 * call (execute_tool), with the attributes of the OpenTelemetry GenAI
 * semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/
 * gen-ai-spans/ and gen-ai-agent-spans/) plus agentos.* ones.
 *
 * Ended spans go to one process-wide exporter: a bounded queue, sent in
 * batches (size or timer) by http_post() inside the loop, protobuf
 * (opentelemetry-proto, opentelemetry/proto/trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto) or JSON (the OTLP
 * JSON mapping of https://opentelemetry.io/docs/specs/otlp/#json-protobuf-
 * encoding: hex ids, int64 as strings, lowerCamelCase names).  A failed
 * batch is retried on 429, 502, 503 and 504 (OTLP/HTTP "Retryable response
 * codes") a bounded number of times; what cannot be sent is counted as
 * dropped, never waited for.
 *
 * Configuration: the OTEL_* variables of the OpenTelemetry SDK
 * environment specification and the exporter specification
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/), and
 * TRACEPARENT (W3C Trace Context, version 00).
 *
 * Standalone but for buf.h, event.h and the loop and http functions.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "event.h"

/* Exporter settings, filled by trace_config_env(). */
struct trace_config {
	int		 enabled;	/* an endpoint is set, SDK not disabled */
	char		*traces_url;	/* full URL of the traces endpoint */
	char		*metrics_url;	/* of the metrics endpoint, or NULL */
	int		 json;		/* http/json (1) or http/protobuf (0) */
	char		**headers;	/* "Name: value", nheaders of them */
	size_t		 nheaders;
	char		*service_name;	/* service.name */
	json_t		*resource;	/* object of extra resource attributes */
	int		 contents;	/* record prompts and tool contents */
	int		 has_parent;	/* TRACEPARENT gave a parent */
	uint8_t		 parent_trace[16];
	uint8_t		 parent_span[8];
};

/*
 * Fill cfg from the environment (getenv_fn(name), NULL for getenv): the
 * endpoint from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is) or
 * OTEL_EXPORTER_OTLP_ENDPOINT (+ "/v1/traces"); url, when not NULL,
 * overrides both (used as is).  OTEL_EXPORTER_OTLP_HEADERS is k=v,k=v with
 * URL-encoded values; the metrics endpoint likewise from
 * OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT +
 * "/v1/metrics" (none with url); OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (k=v,...)
 * and OTEL_SDK_DISABLED=true; AGENTOS_TRACE_CONTENTS=1 opts in to
 * contents.  Bad parts are skipped.  Release with trace_config_release().
 */
void	 trace_config_env(struct trace_config *cfg, const char *url,
	    const char *(*getenv_fn)(const char *));
void	 trace_config_release(struct trace_config *cfg);

/*
 * Parse a W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>"); 0 and the ids,
 * or -1 when malformed (all-zero ids are invalid too).
 */
int	 trace_parse_traceparent(const char *s, uint8_t trace_id[16],
	    uint8_t span_id[8]);
/* Decode %XX escapes of s in place. */
void	 trace_url_decode(char *s);

/* One attribute value. */
enum trace_atype { TA_STRING, TA_INT, TA_DOUBLE, TA_BOOL, TA_STRARRAY };
struct trace_attr {
	char		*key;
	enum trace_atype type;
	char		*s;		/* TA_STRING; TA_STRARRAY: one element */
	int64_t		 i;
	double		 d;
};

/* A span; status 0 unset, 1 ok, 2 error (OTLP Status.StatusCode). */
struct trace_span {
	uint8_t			 trace_id[16];
	uint8_t			 span_id[8];
	uint8_t			 parent_id[8];
	int			 has_parent;
	char			*name;
	int			 kind;		/* 1 internal, 3 client */
	uint64_t		 start_ns;	/* unix time, ns */
	uint64_t		 end_ns;
	int			 status;
	char			*status_msg;
	struct trace_attr	*attrs;
	size_t			 nattrs, aattrs;
};

void	 trace_span_str(struct trace_span *sp, const char *key, const char *v);
void	 trace_span_int(struct trace_span *sp, const char *key, int64_t v);
void	 trace_span_double(struct trace_span *sp, const char *key, double v);
/* Free what sp owns. */
void	 trace_span_release(struct trace_span *sp);

/*
 * Encode spans as an ExportTraceServiceRequest into out (appended): the
 * protobuf wire format (trace.proto field numbers) or the OTLP JSON form.
 */
void	 trace_encode_pb(struct buf *out, const struct trace_config *cfg,
	    const struct trace_span *spans, size_t n);
void	 trace_encode_json(struct buf *out, const struct trace_config *cfg,
	    const struct trace_span *spans, size_t n);

/* The spans of one session. */
struct tracer;

/*
 * A tracer for session id (copied) starting at start_ms (wall clock, ms).
 * Ended spans go to sink(arg, span) (the span is the sink's to release), or
 * to the process-wide exporter when sink is NULL.  cfg is borrowed for
 * the tracer's life.
 */
struct tracer *tracer_create(const struct trace_config *cfg,
	    const char *session, int64_t start_ms,
	    void (*sink)(void *, struct trace_span *), void *arg);
/* Feed one event (data borrowed) that happened at time_ms. */
void	 tracer_event(struct tracer *tr, enum event_type type,
	    const json_t *data, int64_t time_ms);
/* End every open span at end_ms and free the tracer; NULL is fine. */
void	 tracer_free(struct tracer *tr, int64_t end_ms);

/*
 * The process-wide exporter: trace_export_start() once with the config
 * (borrowed until trace_export_stop()); spans are queued by tracers with
 * a NULL sink.  trace_export_stop() sends what is queued and runs the loop
 * until all is delivered or wait_ms passes, then gives up the rest;
 * *sent and *dropped (may be NULL) are the totals in spans.
 */
void	 trace_export_start(const struct trace_config *cfg);
int	 trace_export_active(void);
void	 trace_export_stop(unsigned int wait_ms, size_t *sent,
	    size_t *dropped);

/*
 * Metrics (metrics.proto, cumulative, sent once by trace_export_stop() when
 * a metrics endpoint is set): gen_ai.client.token.usage as a counter by
 * gen_ai.token.type, agentos.cost.usd, and the histogram
 * gen_ai.client.operation.duration in seconds (the GenAI metrics semantic
 * conventions, gen-ai-metrics.md, with their bucket boundaries).
 * trace_metrics_encode() appends an ExportMetricsServiceRequest.
 */
void	 trace_metrics_encode(struct buf *out, const struct trace_config *cfg,
	    int json);

/* The process's trace config (the environment at start), or NULL. */
const struct trace_config *trace_global_config(void);

#endif
