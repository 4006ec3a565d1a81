/*
 * cli-lsp.c: "agentos lsp status" (configured servers, whether their
 * binaries are found, and the servers agentos processes run now) and
 * "agentos lsp diagnostics FILE..." (start the server, print what it says).
 */
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentos.h"
#include "lsp.h"
#include "banned.h"

struct cli_lsp_proc {
	pid_t	 pid, ppid;
	char	*tag;		/* AGENTOS_LSP: "owner:server:root" */
};

static int	cli_lsp_status(const char *, struct config *);
static int	cli_lsp_diagnostics(int, char **, const char *,
		    struct config *);
static void	cli_lsp_procs(struct cli_lsp_proc **, size_t *);

/* Processes of this user carrying the AGENTOS_LSP variable. */
static void
cli_lsp_procs(struct cli_lsp_proc **list, size_t *n)
{
	DIR			*d;
	struct dirent		*de;
	char			 path[64], buf[16384], *p;
	ssize_t			 len, i;
	int			 fd;
	size_t			 alloc = 0;
	struct cli_lsp_proc	*v = NULL;
	long			 ppid;

	*list = NULL;
	*n = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		xsnprintf(path, sizeof path, "/proc/%s/environ", de->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		len = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (i = 0; i < len; i += strlen(buf + i) + 1) {
			if (strncmp(buf + i, "AGENTOS_LSP=", 12) != 0)
				continue;
			ALLOC_GROW(v, *n + 1, alloc);
			v[*n].pid = (pid_t)atol(de->d_name);
			v[*n].tag = xstrdup(buf + i + 12);
			v[*n].ppid = 0;
			xsnprintf(path, sizeof path, "/proc/%s/stat",
			    de->d_name);
			if ((fd = open(path, O_RDONLY)) != -1) {
				len = read(fd, buf, sizeof buf - 1);
				close(fd);
				if (len > 0) {
					buf[len] = '\0';
					p = strrchr(buf, ')');
					if (p != NULL && sscanf(p + 2,
					    "%*c %ld", &ppid) == 1)
						v[*n].ppid = (pid_t)ppid;
				}
			}
			(*n)++;
			break;
		}
	}
	closedir(d);
	*list = v;
}

/* agentos lsp status */
static int
cli_lsp_status(const char *root, struct config *cfg)
{
	struct lsp_server_conf	*list;
	struct lsp_options	 o;
	struct cli_lsp_proc	*procs;
	size_t			 n, np, i, j, k;
	char			*cause = NULL, *path, *owner, *srv, *r;
	int			 shown = 0, child;

	if (lsp_conf_load(cfg, &list, &n, &o, &cause) != 0) {
		fprintf(stderr, "agentos: %s\n", cause);
		free(cause);
		return (1);
	}
	printf("Language servers%s:\n", o.enabled ? "" :
	    " (disabled by the \"lsp\" setting)");
	for (i = 0; i < n; i++) {
		path = lsp_which(list[i].argv[0]);
		printf("  %-28s %-9s %s\n", list[i].name,
		    list[i].disabled ? "disabled" : path != NULL ? "found" :
		    "not found", path != NULL ? path : list[i].argv[0]);
		printf("  %-28s %-9s", "", "");
		for (j = 0; j < list[i].nextensions; j++)
			printf(" .%s", list[i].extensions[j]);
		printf("\n");
		free(path);
	}
	lsp_conf_release(list, n);

	printf("Running (started by agentos):\n");
	cli_lsp_procs(&procs, &np);
	for (i = 0; i < np; i++) {
		/* Servers only: their children carry the variable too. */
		child = 0;
		for (k = 0; k < np; k++) {
			if (procs[k].pid == procs[i].ppid)
				child = 1;
		}
		if (child)
			continue;
		owner = procs[i].tag;
		if ((srv = strchr(owner, ':')) == NULL)
			continue;
		*srv++ = '\0';
		if ((r = strchr(srv, ':')) == NULL)
			continue;
		*r++ = '\0';
		printf("  pid %-8ld %-28s agentos %-8s %s\n",
		    (long)procs[i].pid, srv, owner, r);
		shown++;
	}
	if (shown == 0)
		printf("  none\n");
	for (i = 0; i < np; i++)
		free(procs[i].tag);
	free(procs);
	return (0);
}

struct cli_lsp_wait {
	int	 left;
	int	 problems;
};

/* One file's diagnostics arrived. */
static void
cli_lsp_diag_done(void *arg, const char *text)
{
	struct cli_lsp_wait	*cw = arg;

	if (text != NULL) {
		fputs(text, stdout);
		cw->problems = 1;
	}
	if (--cw->left == 0)
		loop_exit();
}

/* Everything stopped. */
static void
cli_lsp_stopped(void *arg)
{
	loop_exit();
}

/* agentos lsp diagnostics FILE... */
static int
cli_lsp_diagnostics(int argc, char **argv, const char *root,
    struct config *cfg)
{
	struct lsp_manager	*m;
	struct cli_lsp_wait	 cw = { 0, 0 };
	char			 abs[PATH_MAX];
	FILE			*f;
	struct buf		 b = BUF_INIT;
	char			 chunk[65536];
	size_t			 r;
	int			 i, status = 0;

	loop_init();
	m = lsp_manager_create(root, cfg);
	for (i = 0; i < argc; i++) {
		if (realpath(argv[i], abs) == NULL ||
		    (f = fopen(abs, "r")) == NULL) {
			fprintf(stderr, "agentos: %s: cannot read\n", argv[i]);
			status = 2;
			continue;
		}
		buf_reset(&b);
		while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&b, chunk, r);
		fclose(f);
		if (lsp_server_for(m, abs) == NULL) {
			fprintf(stderr, "agentos: %s: no language server\n",
			    argv[i]);
			status = 2;
			continue;
		}
		cw.left++;
		lsp_after_edit(m, abs, b.buf, b.len, cli_lsp_diag_done, &cw);
	}
	buf_release(&b);
	if (cw.left > 0)
		loop_run();
	lsp_manager_shutdown(m, cli_lsp_stopped, NULL);
	loop_run();
	lsp_manager_free(m);
	if (status == 0 && cw.problems)
		status = 1;
	return (status);
}

int
cli_lsp_exec(int argc, char **argv, const char *root, struct config *cfg)
{
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return (cli_lsp_status(root, cfg));
	if (argc >= 3 && strcmp(argv[1], "diagnostics") == 0)
		return (cli_lsp_diagnostics(argc - 2, argv + 2, root, cfg));
	fprintf(stderr, "usage: agentos lsp status\n"
	    "       agentos lsp diagnostics FILE...\n");
	return (2);
}
