/* cmd-init.c: the AGENTS.md draft of /init (cmd-init.h). */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agentos.h"
#include "cmd-init.h"
#include "repo.h"
#include "repomodel.h"
#include "banned.h"

#define INIT_DIRS_MAX	20	/* top-level folders listed */
#define INIT_READ_MAX	(256 * 1024)

/* A build system: the file that names it, its build and test commands. */
struct init_build {
	const char	*file;
	const char	*build;
	const char	*test;
	const char	*target;	/* a target the test needs in file */
};
static const struct init_build init_builds[] = {
	{ .file = "configure.ac", .build = "autoreconf -fi && ./configure && "
	  "make", .test = "make check" },
	{ .file = "CMakeLists.txt", .build = "cmake -B build && cmake --build "
	  "build", .test = "ctest --test-dir build" },
	{ .file = "meson.build", .build = "meson setup build && ninja -C "
	  "build", .test = "meson test -C build" },
	{ .file = "Cargo.toml", .build = "cargo build", .test = "cargo test" },
	{ .file = "go.mod", .build = "go build ./...", .test = "go test "
	  "./..." },
	{ .file = "pyproject.toml", .build = "pip install -e .",
	  .test = "pytest" },
	{ .file = "setup.py", .build = "pip install -e .", .test = "pytest" },
	{ .file = "Makefile", .build = "make", .test = "make check",
	  .target = "\ncheck:" },
	{ .file = "Makefile", .build = NULL, .test = "make test",
	  .target = "\ntest:" },
	{ .file = "GNUmakefile", .build = "make", .test = NULL },
	{ .file = NULL }
};

/* A file type by extension, for the layout and the languages. */
struct init_lang {
	const char	*ext;
	const char	*name;
};
static const struct init_lang init_langs[] = {
	{ ".c", "C" }, { ".h", "C" }, { ".cc", "C++" }, { ".cpp", "C++" },
	{ ".hpp", "C++" }, { ".py", "Python" }, { ".js", "JavaScript" },
	{ ".mjs", "JavaScript" }, { ".ts", "TypeScript" },
	{ ".tsx", "TypeScript" }, { ".go", "Go" }, { ".rs", "Rust" },
	{ ".java", "Java" }, { ".sh", "shell" }, { ".rb", "Ruby" },
	{ ".md", "Markdown" }, { ".json", "JSON" }, { ".toml", "TOML" },
	{ ".yml", "YAML" }, { ".yaml", "YAML" }, { NULL, NULL }
};

struct init_count {
	char	*name;
	size_t	 n;
	size_t	 langs[64];
};

/* The language of path, an index into init_langs, or -1. */
static int
init_lang_of(const char *path)
{
	const char	*dot = strrchr(path, '.');
	int		 i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return (-1);
	for (i = 0; init_langs[i].ext != NULL; i++)
		if (strcmp(dot, init_langs[i].ext) == 0)
			return (i);
	return (-1);
}

/* The first INIT_READ_MAX bytes of root/rel, or NULL (not a file). */
static char *
init_read(const char *root, const char *rel)
{
	struct buf	 b = BUF_INIT;
	struct stat	 sb;
	char		*path = xasprintf("%s/%s", root, rel), tmp[4096];
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (NULL);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return (NULL);
	}
	while (b.len < INIT_READ_MAX && (n = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(&b, tmp, n);
	close(fd);
	return (buf_detach(&b, NULL));
}

/* The main language of a count ("C", "Python"), or NULL. */
static const char *
init_main_lang(const size_t *langs)
{
	size_t	i, best = 0;
	int	found = -1;

	for (i = 0; init_langs[i].ext != NULL; i++) {
		/* Languages, not documents, name a folder. */
		if (strcmp(init_langs[i].name, "Markdown") == 0 ||
		    strcmp(init_langs[i].name, "JSON") == 0)
			continue;
		if (langs[i] > best) {
			best = langs[i];
			found = (int)i;
		}
	}
	return (found >= 0 ? init_langs[found].name : NULL);
}

/* ## Layout: the top-level folders and files. */
static void
init_layout(struct buf *b, char **files, size_t n, size_t *langs)
{
	struct init_count	*dirs = NULL;
	struct buf		 top = BUF_INIT;
	const char		*slash, *lang;
	size_t			 ndirs = 0, adirs = 0, i, k, ntop = 0, len;
	int			 l;

	for (i = 0; i < n; i++) {
		/* The file being drafted is no part of what it describes. */
		if (strcmp(files[i], "AGENTS.md") == 0)
			continue;
		l = init_lang_of(files[i]);
		if (l >= 0)
			langs[l]++;
		if ((slash = strchr(files[i], '/')) == NULL) {
			if (ntop++ < 12)
				buf_addf(&top, "%s`%s`", ntop > 1 ? ", " : "",
				    files[i]);
			continue;
		}
		len = slash - files[i];
		for (k = 0; k < ndirs; k++)
			if (strlen(dirs[k].name) == len &&
			    strncmp(dirs[k].name, files[i], len) == 0)
				break;
		if (k == ndirs) {
			ALLOC_GROW(dirs, ndirs + 1, adirs);
			memset(&dirs[ndirs], 0, sizeof dirs[ndirs]);
			dirs[ndirs++].name = xstrndup(files[i],
			    slash - files[i]);
		}
		dirs[k].n++;
		if (l >= 0)
			dirs[k].langs[l]++;
	}
	buf_adds(b, "\n## Layout\n\n");
	for (k = 0; k < ndirs; k++) {
		if (k == INIT_DIRS_MAX) {
			buf_addf(b, "- and %zu more folders\n", ndirs - k);
			break;
		}
		lang = init_main_lang(dirs[k].langs);
		buf_addf(b, "- `%s/`: %zu file%s%s%s%s\n", dirs[k].name,
		    dirs[k].n, dirs[k].n == 1 ? "" : "s", lang != NULL ?
		    ", mostly " : "", lang != NULL ? lang : "", "");
	}
	if (ntop > 0)
		buf_addf(b, "- At the top: %s%s\n", top.buf, ntop > 12 ?
		    ", ..." : "");
	for (k = 0; k < ndirs; k++)
		free(dirs[k].name);
	free(dirs);
	buf_release(&top);
}

/* ## Build and test: what the build files say. */
static void
init_build(struct buf *b, const char *root)
{
	const struct init_build	*ib;
	struct buf		 build = BUF_INIT, test = BUF_INIT;
	json_t			*pkg, *scripts;
	char			*text, *pj;

	for (ib = init_builds; ib->file != NULL; ib++) {
		if ((text = init_read(root, ib->file)) == NULL)
			continue;
		if (ib->target != NULL && strstr(text, ib->target) == NULL &&
		    strncmp(text, ib->target + 1, strlen(ib->target) - 1) !=
		    0) {
			free(text);
			continue;
		}
		free(text);
		if (ib->build != NULL && build.len == 0)
			buf_addf(&build, "- Build: `%s` (from `%s`)\n",
			    ib->build, ib->file);
		if (ib->test != NULL && test.len == 0)
			buf_addf(&test, "- Test: `%s` (from `%s`)\n",
			    ib->test, ib->file);
	}
	/* package.json: its own scripts. */
	if ((pj = init_read(root, "package.json")) != NULL) {
		if ((pkg = json_loads(pj, 0, NULL)) != NULL) {
			scripts = json_object_get(pkg, "scripts");
			if (build.len == 0 && json_object_get(scripts,
			    "build") != NULL)
				buf_adds(&build, "- Build: `npm install && npm "
				    "run build` (from `package.json`)\n");
			if (test.len == 0 && json_object_get(scripts,
			    "test") != NULL)
				buf_adds(&test, "- Test: `npm test` (from "
				    "`package.json`)\n");
			json_decref(pkg);
		}
		free(pj);
	}
	buf_adds(b, "\n## Build and test\n\n");
	if (build.len == 0 && test.len == 0)
		buf_adds(b, "- No build file found: say here how to build and "
		    "test.\n");
	buf_add(b, build.buf, build.len);
	buf_add(b, test.buf, test.len);
	buf_adds(b, "- Run the tests after a change, and keep them "
	    "passing.\n");
	buf_release(&build);
	buf_release(&test);
}

/* ## Conventions: what the repository says of itself. */
static void
init_conventions(struct buf *b, const char *root, const size_t *langs)
{
	static const char *const docs[] = { "CONTRIBUTING.md",
	    "CONVENTIONS.md", "STYLE.md", "docs/CONTRIBUTING.md", "CLAUDE.md",
	    ".github/CONTRIBUTING.md", NULL };
	struct buf	 l = BUF_INIT;
	char		*text, *p;
	size_t		 i, total = 0;

	buf_adds(b, "\n## Conventions\n\n");
	for (i = 0; init_langs[i].ext != NULL; i++)
		total += langs[i];
	for (i = 0; init_langs[i].ext != NULL; i++) {
		if (langs[i] == 0 || strstr(l.buf, init_langs[i].name) != NULL)
			continue;
		buf_addf(&l, "%s%s", l.len > 0 ? ", " : "",
		    init_langs[i].name);
	}
	if (l.len > 0)
		buf_addf(b, "- Languages: %s.\n", l.buf);
	if ((text = init_read(root, ".editorconfig")) != NULL) {
		if ((p = strstr(text, "indent_style")) != NULL)
			buf_addf(b, "- Indentation: %s (from "
			    "`.editorconfig`).\n", strstr(p, "tab") != NULL &&
			    strstr(p, "tab") < p + 24 ? "tabs" : "spaces");
		free(text);
	}
	for (i = 0; docs[i] != NULL; i++) {
		if ((text = init_read(root, docs[i])) == NULL)
			continue;
		buf_addf(b, "- Follow `%s`.\n", docs[i]);
		free(text);
	}
	buf_adds(b, "- Match the style of the code around a change; keep "
	    "changes small and focused.\n");
	(void)total;
	buf_release(&l);
}

char *
cmd_init_draft(const char *root, struct repo *rp, struct repomodel *rm)
{
	struct buf	 b = BUF_INIT;
	char		**files = NULL, *cause = NULL, *map;
	const char	*name = strrchr(root, '/');
	size_t		 n = 0, langs[64];

	memset(langs, 0, sizeof langs);
	buf_addf(&b, "# %s\n\nInstructions for coding agents working in this "
	    "repository (drafted by agentos /init from the repository; edit "
	    "them).\n", name != NULL && name[1] != '\0' ? name + 1 : root);
	if (rp != NULL && repo_list(rp, REPO_LIST_ALL, &files, &n,
	    &cause) != 0) {
		free(cause);
		files = NULL;
		n = 0;
	}
	init_layout(&b, files, n, langs);
	repo_list_free(files, n);
	init_build(&b, root);
	init_conventions(&b, root, langs);
	if (rm != NULL && !repomodel_busy(rm, NULL, NULL) &&
	    (map = repomodel_map(rm, 400, NULL, 0)) != NULL) {
		if (*map != '\0')
			buf_addf(&b, "\n## Central code\n\nThe files and "
			    "definitions most of the code depends on (the "
			    "repository map):\n\n```\n%s%s```\n", map,
			    map[strlen(map) - 1] == '\n' ? "" : "\n");
		free(map);
	}
	return (buf_detach(&b, NULL));
}
