/*
 * cli-mcp.c: "agentos mcp list|get NAME|add NAME ...|remove NAME", like
 * "claude mcp": list connects to every server that may start and prints
 * its state and tools; add and remove edit the user's config.json
 * (mcp.servers) or the repository's .mcp.json (mcpServers), keeping
 * everything else in the file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "mcp.h"
#include "mcp-oauth.h"
#include "banned.h"

static int	cli_mcp_list(const char *, struct config *);
static int	cli_mcp_get(const char *, const char *, struct config *);
static int	cli_mcp_add(int, char **, const char *);
static int	cli_mcp_remove(int, char **, const char *);
static int	cli_mcp_call(const char *, const char *, const char *,
		    const char *, struct config *);
static int	cli_mcp_login(const char *, int, const char *,
		    struct config *);

static const char cli_mcp_usage[] =
    "usage: agentos mcp list\n"
    "       agentos mcp get NAME\n"
    "       agentos mcp add NAME [--scope user|project] [-e KEY=VALUE]... "
    "-- COMMAND [ARG...]\n"
    "       agentos mcp add NAME [--scope user|project] [-H 'Name: value']... "
    "--transport http URL\n"
    "       agentos mcp remove NAME [--scope user|project]\n"
    "       agentos mcp call [--oauth-auto] NAME TOOL [JSON]\n"
    "       agentos mcp login NAME\n"
    "       agentos mcp logout NAME\n";

int
cli_mcp_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	/* No TUI here: a URL the user must open is printed. */
	mcp_oauth_print = 1;
	if (getenv("AGENTOS_MCP_OAUTH_AUTO") != NULL &&
	    strcmp(getenv("AGENTOS_MCP_OAUTH_AUTO"), "1") == 0)
		mcp_oauth_auto = 1;
	if (argc >= 3 && strcmp(argv[1], "call") == 0 &&
	    strcmp(argv[2], "--oauth-auto") == 0) {
		/* Tests only: consent without asking (mcp-oauth.h). */
		mcp_oauth_auto = 1;
		argv[2] = argv[1];
		argc--;
		argv++;
	}
	if (argc == 3 && strcmp(argv[1], "login") == 0)
		return (cli_mcp_login(argv[2], 1, root, cfg));
	if (argc == 3 && strcmp(argv[1], "logout") == 0)
		return (cli_mcp_login(argv[2], 0, root, cfg));
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return (cli_mcp_list(root, cfg));
	if (argc == 3 && strcmp(argv[1], "get") == 0)
		return (cli_mcp_get(argv[2], root, cfg));
	if (argc >= 3 && strcmp(argv[1], "add") == 0)
		return (cli_mcp_add(argc - 2, argv + 2, root));
	if (argc >= 3 && strcmp(argv[1], "remove") == 0)
		return (cli_mcp_remove(argc - 2, argv + 2, root));
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "call") == 0)
		return (cli_mcp_call(argv[2], argv[3], argc == 5 ? argv[4] :
		    "{}", root, cfg));
	fputs(cli_mcp_usage, stderr);
	return (2);
}

/* Stop waiting: every server is up or failed. */
static void
cli_mcp_ready(void *arg)
{
	(void)arg;
	loop_exit();
}

/* Connect to every server that may start; print what they say. */
static int
cli_mcp_list(const char *root, struct config *cfg)
{
	struct mcp_manager	*m;
	struct buf		 b = BUF_INIT;

	m = mcp_manager_create(root, cfg);
	if (mcp_wait(m, cli_mcp_ready, NULL))
		loop_run();
	mcp_status(m, &b);
	fputs(b.buf, stdout);
	buf_release(&b);
	mcp_manager_free(m);
	return (0);
}

/* The call is over. */
static void
cli_mcp_call_done(struct tool_call *tc, void *arg)
{
	(void)tc;
	*(int *)arg = 1;
	loop_exit();
}

/*
 * Call one tool of a configured server with the arguments in json, as
 * the model would (no approval: the user asked), and print the result
 * the model would get.  Exit 0, or 1 for an error result.
 */
static int
cli_mcp_call(const char *server, const char *tool, const char *json,
    const char *root, struct config *cfg)
{
	struct mcp_manager	*m;
	struct tool_ctx		 ctx;
	struct tool_call	*tc;
	json_error_t		 err;
	json_t			*input;
	char			*name;
	int			 done = 0, rc;

	if ((input = json_loads(json, 0, &err)) == NULL ||
	    !json_is_object(input)) {
		fprintf(stderr, "agentos: mcp call: the arguments must be a "
		    "JSON object%s%s\n", input == NULL ? ": " : "",
		    input == NULL ? err.text : "");
		json_decref(input);
		return (2);
	}
	m = mcp_manager_create(root, cfg);
	if (mcp_wait(m, cli_mcp_ready, NULL))
		loop_run();
	memset(&ctx, 0, sizeof ctx);
	ctx.root = root;
	ctx.cfg = cfg;
	ctx.mcp = m;
	name = mcp_tool_name(server, tool);
	tc = tool_call_create("cli", name, input, &ctx);
	json_decref(input);
	if (tc->tool == NULL || mcp_tool_of(tc->tool) == NULL) {
		fprintf(stderr, "agentos: no tool %s (agentos mcp list shows "
		    "the servers and their tools)\n", name);
		tool_call_free(tc);
		free(name);
		mcp_manager_free(m);
		return (1);
	}
	free(name);
	tc->done = cli_mcp_call_done;
	tc->done_arg = &done;
	tool_call_start(tc);
	while (!done && loop_run() == 0)
		;
	fwrite(tc->result.buf, 1, tc->result.len, stdout);
	if (tc->result.len > 0 && tc->result.buf[tc->result.len - 1] != '\n')
		putchar('\n');
	rc = tc->is_error ? 1 : 0;
	tool_call_free(tc);
	mcp_manager_free(m);
	return (rc);
}

/*
 * login: forget what is stored for server name, connect (the OAuth flow
 * prints the URL and opens the browser), and say whether it worked.
 * logout: forget only.  Exit 0, or 1.
 */
static int
cli_mcp_login(const char *name, int login, const char *root,
    struct config *cfg)
{
	struct mcp_conf		 c;
	struct mcp_manager	*m;
	struct buf		 b = BUF_INIT;
	char			*url = NULL, *cause = NULL;
	size_t			 i;
	int			 rc = 1, n;

	mcp_conf_init(&c);
	mcp_conf_load(&c, cfg, root);
	for (i = 0; i < c.n; i++) {
		if (strcmp(c.v[i].name, name) == 0 && c.v[i].http)
			url = xstrdup(c.v[i].url);
	}
	mcp_conf_release(&c);
	if (url == NULL) {
		fprintf(stderr, "agentos: no MCP server \"%s\" over HTTP\n",
		    name);
		return (1);
	}
	if ((n = mcp_oauth_logout(url, &cause)) < 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		goto out;
	}
	if (!login) {
		printf("%s: %s\n", name, n ? "logged out" :
		    "was not logged in");
		rc = 0;
		goto out;
	}
	/* The user asked to log in: the browser may be opened. */
	mcp_oauth_open = 1;
	m = mcp_manager_create(root, cfg);
	if (mcp_wait(m, cli_mcp_ready, NULL))
		loop_run();
	if (mcp_oauth_logged_in(url)) {
		printf("%s: logged in\n", name);
		rc = 0;
	} else {
		mcp_status(m, &b);
		fprintf(stderr, "agentos: %s: not logged in\n%s", name, b.buf);
		buf_release(&b);
	}
	mcp_manager_free(m);
out:
	free(url);
	return (rc);
}

/* One server's configuration (environment and header values hidden). */
static int
cli_mcp_get(const char *name, const char *root, struct config *cfg)
{
	struct mcp_conf		 c;
	struct mcp_server_conf	*s = NULL;
	const char		*eq;
	size_t			 i;
	int			 rc = 1;

	mcp_conf_init(&c);
	mcp_conf_load(&c, cfg, root);
	for (i = 0; i < c.n; i++) {
		if (strcmp(c.v[i].name, name) == 0)
			s = &c.v[i];
	}
	if (s == NULL) {
		fprintf(stderr, "agentos: no MCP server \"%s\"\n", name);
		goto out;
	}
	printf("%s:\n  scope: %s (%s)\n  type: %s\n", s->name, s->project ?
	    "project" : "user", s->where, s->type);
	if (s->project && !cfg->project_trusted)
		printf("  not trusted: starts once trusted (agentos trust "
		    "yes, or --trust-project)\n");
	if (s->command != NULL)
		printf("  command: %s\n", s->command);
	for (i = 0; i < s->nargs; i++)
		printf("  arg: %s\n", s->args[i]);
	for (i = 0; i < s->nenv; i++) {
		eq = strchr(s->env[i], '=');
		printf("  env: %.*s=...\n", (int)(eq - s->env[i]), s->env[i]);
	}
	if (s->url != NULL)
		printf("  url: %s\n", s->url);
	for (i = 0; i < s->nheaders; i++) {
		eq = strchr(s->headers[i], ':');
		printf("  header: %.*s: ...\n", (int)(eq - s->headers[i]),
		    s->headers[i]);
	}
	if (s->oauth != NULL)
		printf("  oauth: client_id %s%s%s%s\n", s->oauth->client_id ?
		    s->oauth->client_id : "(registered)",
		    s->oauth->client_secret ? ", client_secret ..." : "",
		    s->oauth->scopes ? ", scopes " : "",
		    s->oauth->scopes ? s->oauth->scopes : "");
	if (s->http)
		printf("  OAuth tokens: %s\n", mcp_oauth_logged_in(s->url) ?
		    "stored (agentos mcp logout forgets them)" : "none");
	if (s->error != NULL)
		printf("  error: %s\n", s->error);
	rc = 0;
out:
	mcp_conf_release(&c);
	return (rc);
}

/*
 * The file of scope ("user": config_user_path(), "project":
 * root/.mcp.json) and its JSON object (a new one when it does not exist),
 * or -1 with cause.
 */
static int
cli_mcp_open(const char *scope, const char *root, char **path, json_t **j,
    char **cause)
{
	json_error_t	 err;

	if (strcmp(scope, "user") == 0) {
		if ((*path = config_user_path()) == NULL) {
			*cause = xstrdup("no HOME: no user configuration");
			return (-1);
		}
	} else if (strcmp(scope, "project") == 0)
		*path = xasprintf("%s/.mcp.json", root);
	else {
		*cause = xasprintf("unknown scope \"%s\" (user or project)",
		    scope);
		return (-1);
	}
	if (access(*path, F_OK) != 0) {
		*j = json_object();
		return (0);
	}
	*j = json_load_file(*path, 0, &err);
	if (*j == NULL || !json_is_object(*j)) {
		if (*j == NULL)
			*cause = xasprintf("%s:%d: %s", *path, err.line,
			    err.text);
		else
			*cause = xasprintf("%s: not a JSON object", *path);
		json_decref(*j);
		free(*path);
		return (-1);
	}
	return (0);
}

/*
 * The servers object of the file: "mcpServers" in .mcp.json; in the
 * user's config a flat "mcp.servers" if there is one, else
 * "mcp": {"servers"}.  Made when create is set; else NULL if absent.
 */
static json_t *
cli_mcp_servers(json_t *j, const char *scope, int create)
{
	json_t	*o, *mcp;

	if (strcmp(scope, "project") == 0) {
		o = json_object_get(j, "mcpServers");
		if (o == NULL && create) {
			o = json_object();
			json_object_set_new(j, "mcpServers", o);
		}
		return (json_is_object(o) ? o : NULL);
	}
	if ((o = json_object_get(j, "mcp.servers")) != NULL)
		return (json_is_object(o) ? o : NULL);
	mcp = json_object_get(j, "mcp");
	if (mcp == NULL && create) {
		mcp = json_object();
		json_object_set_new(j, "mcp", mcp);
	}
	if (!json_is_object(mcp))
		return (NULL);
	o = json_object_get(mcp, "servers");
	if (o == NULL && create) {
		o = json_object();
		json_object_set_new(mcp, "servers", o);
	}
	return (json_is_object(o) ? o : NULL);
}

/* Write j to path through a temporary file (mode 0600); -1 with cause. */
static int
cli_mcp_save(const char *path, json_t *j, char **cause)
{
	char	*tmp, *dir, *slash, *text;
	int	 fd, rc = -1;
	size_t	 len;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		/* The user's config directory may not exist yet. */
		if (access(dir, F_OK) != 0) {
			if ((slash = strrchr(dir, '/')) != NULL &&
			    slash != dir) {
				*slash = '\0';
				(void)mkdir(dir, 0700);
				*slash = '/';
			}
			(void)mkdir(dir, 0700);
		}
	}
	free(dir);
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		*cause = xstrdup("cannot serialise the configuration");
		return (-1);
	}
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(text);
	return (rc);
}

/*
 * add NAME [--scope S] [-e K=V]... [-H 'N: v']... -- CMD ARGS
 * add NAME [--scope S] [-H 'N: v']... --transport http URL
 */
static int
cli_mcp_add(int argc, char **argv, const char *root)
{
	const char	*name = argv[0], *scope = "user", *transport = NULL;
	const char	*url = NULL, *eq;
	json_t		*entry = json_object(), *env = json_object();
	json_t		*hdrs = json_object(), *args = json_array(), *j = NULL;
	json_t		*servers;
	char		*path = NULL, *cause = NULL, *k;
	int		 i, rc = 2, dashdash = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i + 1;
			break;
		}
		if (i + 1 < argc && (strcmp(argv[i], "--scope") == 0 ||
		    strcmp(argv[i], "-s") == 0))
			scope = argv[++i];
		else if (i + 1 < argc && (strcmp(argv[i], "-e") == 0 ||
		    strcmp(argv[i], "--env") == 0)) {
			i++;
			if ((eq = strchr(argv[i], '=')) == NULL ||
			    eq == argv[i]) {
				fprintf(stderr, "agentos: -e %s: not "
				    "KEY=VALUE\n", argv[i]);
				goto out;
			}
			k = xstrndup(argv[i], eq - argv[i]);
			json_object_set_new(env, k, json_string(eq + 1));
			free(k);
		} else if (i + 1 < argc && (strcmp(argv[i], "-H") == 0 ||
		    strcmp(argv[i], "--header") == 0)) {
			i++;
			if ((eq = strchr(argv[i], ':')) == NULL ||
			    eq == argv[i]) {
				fprintf(stderr, "agentos: -H %s: not 'Name: "
				    "value'\n", argv[i]);
				goto out;
			}
			k = xstrndup(argv[i], eq - argv[i]);
			eq++;
			eq += strspn(eq, " ");
			json_object_set_new(hdrs, k, json_string(eq));
			free(k);
		} else if (i + 2 < argc && (strcmp(argv[i], "--transport") ==
		    0 || strcmp(argv[i], "-t") == 0)) {
			transport = argv[++i];
			url = argv[++i];
		} else {
			fprintf(stderr, "agentos: mcp add: unexpected %s\n%s",
			    argv[i], cli_mcp_usage);
			goto out;
		}
	}
	if (transport != NULL) {
		if (strcmp(transport, "http") != 0 &&
		    strcmp(transport, "sse") != 0) {
			fprintf(stderr, "agentos: --transport %s: http or "
			    "sse\n", transport);
			goto out;
		}
		json_object_set_new(entry, "type", json_string(transport));
		json_object_set_new(entry, "url", json_string(url));
		if (json_object_size(hdrs) > 0)
			json_object_set(entry, "headers", hdrs);
	} else if (dashdash > 0 && dashdash < argc) {
		json_object_set_new(entry, "command",
		    json_string(argv[dashdash]));
		for (i = dashdash + 1; i < argc; i++)
			json_array_append_new(args, json_string(argv[i]));
		json_object_set(entry, "args", args);
	} else {
		fputs(cli_mcp_usage, stderr);
		goto out;
	}
	if (json_object_size(env) > 0)
		json_object_set(entry, "env", env);
	rc = 1;
	if (cli_mcp_open(scope, root, &path, &j, &cause) != 0)
		goto out;
	if ((servers = cli_mcp_servers(j, scope, 1)) == NULL) {
		cause = xasprintf("%s: the servers entry is not an object",
		    path);
		goto out;
	}
	json_object_set(servers, name, entry);
	if (cli_mcp_save(path, j, &cause) != 0)
		goto out;
	printf("Added MCP server %s to %s\n", name, path);
	rc = 0;
out:
	if (cause != NULL)
		fprintf(stderr, "agentos: %s\n", cause);
	free(cause);
	free(path);
	json_decref(j);
	json_decref(entry);
	json_decref(env);
	json_decref(hdrs);
	json_decref(args);
	return (rc);
}

/* remove NAME [--scope S]: from the scope given, else where it is. */
static int
cli_mcp_remove(int argc, char **argv, const char *root)
{
	static const char *const scopes[] = { "user", "project", NULL };
	const char	*name = argv[0], *only = NULL;
	json_t		*j, *servers;
	char		*path, *cause = NULL;
	int		 i, found = 0;

	if (argc == 3 && (strcmp(argv[1], "--scope") == 0 ||
	    strcmp(argv[1], "-s") == 0))
		only = argv[2];
	else if (argc != 1) {
		fputs(cli_mcp_usage, stderr);
		return (2);
	}
	for (i = 0; scopes[i] != NULL; i++) {
		if (only != NULL && strcmp(only, scopes[i]) != 0)
			continue;
		if (cli_mcp_open(scopes[i], root, &path, &j, &cause) != 0) {
			fprintf(stderr, "agentos: %s\n", cause);
			free(cause);
			return (1);
		}
		servers = cli_mcp_servers(j, scopes[i], 0);
		if (servers != NULL && json_object_get(servers, name) != NULL) {
			json_object_del(servers, name);
			if (cli_mcp_save(path, j, &cause) != 0) {
				fprintf(stderr, "agentos: %s\n", cause);
				free(cause);
				free(path);
				json_decref(j);
				return (1);
			}
			printf("Removed MCP server %s from %s\n", name, path);
			found = 1;
		}
		free(path);
		json_decref(j);
		if (found)
			return (0);
	}
	fprintf(stderr, "agentos: no MCP server \"%s\"%s%s\n", name,
	    only != NULL ? " in scope " : "", only != NULL ? only : "");
	return (1);
}
