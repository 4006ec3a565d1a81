/*
 * bench-mcp-http.c: what the MCP Streamable HTTP transport costs per
 * tools/call, against tests/fake-mcp-http.py on loopback.
 *
 * N echo calls one after the other (JSON answers, then SSE answers).  The
 * wall time per call includes the Python server; the CPU time of this
 * process per call is what agentos spends (mcp-http, jsonrpc, libcurl,
 * jansson, the loop): the time it adds to a call on an idle machine.
 *
 *	bench/bench-mcp-http [N]	(default 500; run from the top
 *					 directory, or set top_srcdir)
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentos.h"
#include "jsonrpc.h"
#include "mcp-http.h"

static const struct jsonrpc_options	 opts = { 1 << 20, 1 << 20, NULL };
static const struct jsonrpc_handlers	 handlers;
static struct jsonrpc			*rpc;
static int				 left, failed;

static double
now_us(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static void	call_next(void);

static void
on_answer(void *arg, json_t *result, json_t *error)
{
	if (error != NULL)
		failed++;
	if (left-- <= 0) {
		loop_exit();
		return;
	}
	call_next();
}

static void
call_next(void)
{
	jsonrpc_call(rpc, "tools/call", json_pack("{s:s,s:{s:s}}", "name",
	    "echo", "arguments", "text", "bench"), 20000, on_answer, NULL);
}

/* Start the server in mode; its port. */
static int
server(const char *mode, const char *dir, pid_t *pid)
{
	const char	*src = getenv("top_srcdir");
	char		 script[512], port[256], log[256];
	FILE		*f;
	int		 i, p;

	snprintf(script, sizeof script, "%s/tests/fake-mcp-http.py",
	    src != NULL ? src : ".");
	snprintf(port, sizeof port, "%s/port-%s", dir, mode);
	snprintf(log, sizeof log, "%s/log-%s", dir, mode);
	if ((*pid = fork()) == 0) {
		execlp("python3", "python3", script, "--port-file", port,
		    "--log", log, "--mode", mode, "--no-get", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 400; i++) {
		if ((f = fopen(port, "r")) != NULL) {
			if (fscanf(f, "%d", &p) == 1) {
				fclose(f);
				return (p);
			}
			fclose(f);
		}
		usleep(50000);
	}
	fprintf(stderr, "server did not start\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const char	*modes[] = { "json", "sse" };
	char			 dir[] = "/tmp/bench-mcp-http.XXXXXX", *url;
	char			*cause = NULL;
	int			 n = argc > 1 ? atoi(argv[1]) : 500, port;
	size_t			 m;
	double			 w0, c0, w, c;
	pid_t			 pid;

	signal(SIGPIPE, SIG_IGN);
	loop_init();
	if (mkdtemp(dir) == NULL)
		return (1);
	printf("%-5s %6s %14s %18s\n", "mode", "calls", "wall ms/call",
	    "agentos CPU us/call");
	for (m = 0; m < 2; m++) {
		port = server(modes[m], dir, &pid);
		url = xasprintf("http://127.0.0.1:%d/mcp", port);
		if (mcp_http_open("bench", url, NULL, 0, &opts, &handlers,
		    NULL, &rpc, &cause) != 0)
			return (1);
		/* One initialize and a warm-up call, not measured. */
		left = 0;
		jsonrpc_call(rpc, "initialize", json_pack("{s:s}",
		    "protocolVersion", "2025-11-25"), 20000, on_answer, NULL);
		loop_run();
		left = 0;
		call_next();
		loop_run();
		failed = 0;
		left = n - 1;
		w0 = now_us(CLOCK_MONOTONIC);
		c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
		call_next();
		loop_run();
		w = (now_us(CLOCK_MONOTONIC) - w0) / n;
		c = (now_us(CLOCK_PROCESS_CPUTIME_ID) - c0) / n;
		printf("%-5s %6d %14.3f %18.1f%s\n", modes[m], n, w / 1000, c,
		    failed ? " (failures)" : "");
		mcp_http_close(rpc);
		mcp_http_drain(2000);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		free(url);
	}
	return (0);
}
