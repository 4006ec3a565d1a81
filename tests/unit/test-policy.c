/* test-policy.c: permission rules, command parsing, protected paths. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agentos.h"
#include "options.h"
#include "policy.h"
#include "test-tools.h"

#define A PERM_ALLOW
#define D PERM_DENY
#define Q PERM_ASK_USER

/* A repository root for the tests (a fresh directory). */
static char	*root;

/* The simple commands of a command line, "|"-separated, or "?why". */
static char *
parsed(const char *command)
{
	struct policy_cmdline	 cl;
	struct buf		 b = BUF_INIT;
	char			*t;
	size_t			 i;

	memset(&cl, 0, sizeof cl);
	policy_bash_parse(command, root, &cl);
	for (i = 0; i < cl.n; i++) {
		t = policy_cmd_text(&cl.v[i]);
		buf_addf(&b, "%s%s%s", i == 0 ? "" : "|", t,
		    cl.v[i].open ? "..." : "");
		free(t);
	}
	if (cl.opaque != NULL)
		buf_addf(&b, " ?");
	policy_cmdline_release(&cl);
	return (buf_detach(&b, NULL));
}

static void
test_parse(void **state)
{
	static const struct {
		const char	*command, *want;
	} table[] = {
		{ "git status", "git status" },
		{ "  git   status  ", "git status" },
		{ "git 'push' \"--force\"", "git push --force" },
		{ "g\\it status", "git status" },
		{ "make && make check", "make|make check" },
		{ "a; b || c | d & e", "a|b|c|d|e" },
		{ "(cd src && make)", "cd src|make" },
		{ "{ ls; }", "ls" },
		{ "echo $(rm -rf x)", "rm -rf x|echo $(rm -rf x)" },
		{ "echo `id`", "id|echo `id`" },
		{ "diff <(ls a) <(ls b)", "ls a|ls b|diff <(ls a) <(ls b)" },
		{ "timeout 60 make", "make" },
		{ "timeout -s KILL 5 rm -rf /", "rm -rf /" },
		{ "env FOO=1 BAR=2 make test", "make test" },
		{ "env -i make", "make" },
		{ "FOO=1 make", "make" },
		{ "nice -n 5 make", "make" },
		{ "nohup make &", "make" },
		{ "command make", "make" },
		{ "command -v make", "command -v make" },
		{ "exec make", "make" },
		{ "xargs rm", "rm..." },
		{ "find . -name x | xargs -n1 rm -f",
		  "find . -name x|rm -f..." },
		{ "xargs", "echo..." },
		{ "sh -c 'rm -rf ~/*'", "rm -rf ~/*" },
		{ "sh -c 'git status'", "git status" },
		{ "bash -ec \"make; make check\"", "make|make check" },
		{ "sh build.sh", "sh build.sh" },
		{ "sh -c \"$CMD\"", " ?" },
		{ "timeout 5 sh -c 'timeout 5 sh -c \"rm x\"'", "rm x" },
		{ "sudo rm -rf /", "sudo rm -rf /" },
		{ "find . -exec rm {} \\;", "rm {}...|find ." },
		{ "find . -name '*.o' -delete", "find . -name *.o -delete" },
		{ "eval ls", "ls" },
		{ "eval 'rm -rf /' ';' ls", "rm -rf /|ls" },
		{ "eval \"$X\"", "eval \"$X\" ?" },
		{ "source ./env.sh", "source ./env.sh ?" },
		{ ". ./env.sh", ". ./env.sh ?" },
		{ "cat <<EOF\n$(id)\nEOF", "cat ?" },
		{ "cat <<'EOF'\n$(id)\nEOF", "cat" },
		{ "cat <<EOF\nplain\nEOF", "cat" },
		{ "f() { rm -rf /; }; f", "f ?" },
		{ "PATH=. ls", "ls ?" },
		{ "LD_PRELOAD=/x.so make", "make ?" },
		{ "export FOO=1", " ?" },
		{ "for f in a b; do rm $f; done", "rm $f" },
		{ "if true; then git push; fi", "true|git push" },
		{ "echo 'unterminated", "echo ?" },
		{ "$X status", "$X status" },
		{ "git status > out.txt 2>&1", "git status" },
		{ "time make", "make" },
		{ "! git status", "git status" },
		{ "git status 2>/dev/null &", "git status" },
		{ "x=$(rm -rf y)", "rm -rf y" },
		{ "echo ${x:-$(rm y)}", "rm y|echo ${x:-$(rm y)}" },
		{ "ls\nrm x", "ls|rm x" },
		{ "git status # rm x", "git status" },
		{ "[ -f x ] && make", "make" },
		{ "[[ $(rm x) ]]", "rm x" },
		{ "cat a | tee out.txt", "cat a|tee out.txt" },
		{ "a=1; b=2", "" },
		{ "while read l; do echo $l; done < f", "read l|echo $l" },
		{ "case $x in a) rm y;; esac", "rm y" },
		{ "/bin/rm -rf x", "/bin/rm -rf x" },
	};
	char	*s;
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		s = parsed(table[i].command);
		if (strcmp(s, table[i].want) != 0) {
			print_message("\"%s\": got \"%s\", want \"%s\"\n",
			    table[i].command, s, table[i].want);
			bad++;
		}
		free(s);
	}
	assert_int_equal(bad, 0);

	/* Deep nesting is asked about, not a crash. */
	for (i = 0; i < 3; i++) {
		struct buf	b = BUF_INIT;
		size_t		j;

		for (j = 0; j < (i < 2 ? 5000 : 3000); j++)
			buf_adds(&b, i == 0 ? "$(" : i == 1 ? "(" :
			    "find . -exec ");
		buf_adds(&b, "ls");
		for (j = 0; j < 5000 && i < 2; j++)
			buf_adds(&b, ")");
		s = parsed(b.buf);
		assert_non_null(strstr(s, "?"));
		free(s);
		buf_release(&b);
	}
}

/* The decision for bash command under the rules (allow, ask, deny). */
static enum perm_decision
decide_bash(enum perm_mode mode, const char *allow, const char *deny,
    const char *command, char **rule)
{
	struct perm		*p = perm_create(mode);
	struct tool_effects	 fx;
	struct perm_verdict	 v;
	enum perm_decision	 d;
	char			*cause = NULL;

	perm_set_root(p, root);
	if (allow != NULL &&
	    perm_add_rule(p, POLICY_ALLOW, allow, "test", 0, &cause) != 0)
		fail_msg("%s: %s", allow, cause);
	if (deny != NULL &&
	    perm_add_rule(p, POLICY_DENY, deny, "test", 0, &cause) != 0)
		fail_msg("%s: %s", deny, cause);
	tool_effects_init(&fx);
	fx.flags = EFFECT_EXEC | EFFECT_MUTATES | EFFECT_NETWORK;
	fx.command = xstrdup(command);
	perm_decide(p, "bash", &fx, &v);
	d = v.d;
	if (rule != NULL)
		*rule = v.rule != NULL ? xstrdup(v.rule) : NULL;
	perm_verdict_release(&v);
	tool_effects_release(&fx);
	perm_free(p);
	return (d);
}

static void
test_commands(void **state)
{
	static const struct {
		const char		*allow, *command;
		enum perm_decision	 want;
	} table[] = {
		/* The four. */
		{ "Bash(git -C . status)", "git -C . status", A },
		{ "Bash(git -C . status)", "git push --force", Q },
		{ "Bash(git -C . status)", "git -C . push --force", Q },
		{ "Bash(sh build.sh)", "sh build.sh", A },
		{ "Bash(sh build.sh)", "sh -c 'rm -rf ~/*'", Q },
		{ "Bash(cat README.md)", "cat README.md", A },
		{ "Bash(cat README.md)", "cat ~/.ssh/id_rsa", Q },
		{ "Bash(timeout 60 make)", "timeout 60 rm -rf /", Q },
		{ "Bash(make)", "timeout 60 make", A },
		{ "Bash(make)", "timeout 60 rm -rf /", Q },
		/* Rule words are split as the shell splits them. */
		{ "Bash(git commit -m \"a b\")", "git commit -m 'a b'", A },
		{ "Bash(git commit -m \"a b\")", "git commit -m a b", Q },
		{ "Bash(git commit -m 'a b':*)", "git commit -m \"a b\" -q",
		  A },
		{ "Bash(timeout 60 make)", "make", A },
		/* Exact and prefix. */
		{ "Bash(git status)", "git status", A },
		{ "Bash(git status)", "git status -s", Q },
		{ "Bash(git status:*)", "git status -s", A },
		{ "Bash(git status:*)", "git statusx", Q },
		{ "Bash(npm run test:*)", "npm run test", A },
		{ "Bash(npm run test:*)", "npm run test -- --watch", A },
		{ "Bash(npm run test:*)", "npm run test:unit", Q },
		{ "Bash(npm run test:*)", "npm run build", Q },
		{ "Bash(git status *)", "git status --short", A },
		/* Compound: every simple command. */
		{ "Bash(git status:*)", "git status; rm -rf /", Q },
		{ "Bash(git status:*)", "git status && git status -s", A },
		{ "Bash(git status:*)", "git status | sh", Q },
		{ "Bash(git status:*)", "git status $(rm x)", Q },
		{ "Bash(git status:*)", "git status `rm x`", Q },
		{ "Bash(git status:*)", "(git status)", A },
		{ "Bash(git status:*)", "git status > /etc/passwd", Q },
		{ "Bash(git status:*)", "git status > ../outside", Q },
		{ "Bash(git status:*)", "git status > log.txt", A },
		{ "Bash(git status:*)", "git status > /dev/null 2>&1", A },
		{ "Bash(git status:*)", "git status > \"$OUT\"", Q },
		/* Dynamic words. */
		{ "Bash(git status:*)", "git $(echo status)", Q },
		{ "Bash(git status:*)", "$GIT status", Q },
		{ "Bash(echo:*)", "echo $HOME", A },
		/* Wrappers are unwrapped, never trusted by name. */
		{ "Bash(timeout:*)", "timeout 5 rm -rf /", Q },
		{ "Bash(env:*)", "env rm -rf /", Q },
		{ "Bash(xargs:*)", "xargs rm", Q },
		{ "Bash(rm)", "xargs rm", Q },
		{ "Bash(rm:*)", "xargs rm", A },
		{ "Bash(find:*)", "find . -exec rm {} ;", Q },
		{ "Bash(nice:*)", "nice rm x", Q },
		{ "Bash(sudo:*)", "sudo ls", A },
		{ "Bash(ls:*)", "sudo ls", Q },
		{ "Bash(sh:*)", "sh -c 'rm x'", Q },
		{ "Bash(bash:*)", "bash -c \"$X\"", Q },
		/* What the parser cannot see is asked, even with rules. */
		{ "Bash(eval:*)", "eval ls", Q },
		{ "Bash(ls)", "eval ls", A },
		{ "Bash(eval:*)", "eval \"$X\"", Q },
		{ "Bash(cat:*)", "cat <<EOF\n$(rm x)\nEOF", Q },
		{ "Bash(cat:*)", "cat <<'EOF'\n$(rm x)\nEOF", A },
		{ "Bash(make:*)", "PATH=. make", Q },
		{ "Bash(make:*)", "FOO=1 make", A },
		/* A * word: one or more whole words, anywhere. */
		{ "Bash(git * --dry-run)", "git push --dry-run", A },
		{ "Bash(git * --dry-run)", "git push origin main --dry-run", A },
		{ "Bash(git * --dry-run)", "git --dry-run", Q },
		{ "Bash(git * --dry-run)", "git push --force", Q },
		{ "Bash(git * --dry-run)", "git push --dry-run --force", Q },
		{ "Bash(git * --dry-run)", "git push; rm -rf / --dry-run", Q },
		{ "Bash(git * --dry-run)", "git push | rm x --dry-run", Q },
		{ "Bash(git * --dry-run)", "git push && git x --dry-run", Q },
		{ "Bash(git * --dry-run)", "git push $(rm x) --dry-run", Q },
		{ "Bash(git * --dry-run)", "xargs git push --dry-run", Q },
		{ "Bash(npm run * --watch=false)",
		  "npm run test --watch=false", A },
		{ "Bash(npm run * --watch=false)", "npm run --watch=false", Q },
		{ "Bash(git * main:*)", "git push origin main -q", A },
		{ "Bash(git * main:*)", "git push origin mainline", Q },
		{ "Bash(* --version)", "cc --version", A },
		{ "Bash(* --version)", "cc --version -v", Q },
		{ "Bash(git * * --dry-run)", "git push --dry-run", Q },
		{ "Bash(git * * --dry-run)", "git push o --dry-run", A },
		/* A * inside a word: fnmatch(3) on that one word. */
		{ "Bash(make -j*)", "make -j4", A },
		{ "Bash(make -j*)", "make -j4 install", Q },
		{ "Bash(make -j*)", "make -k", Q },
		{ "Bash(git *status)", "git status", A },
		{ "Bash(git *status)", "git push status", Q },
		{ "Bash(git commit -m \"a b\" * --x)",
		  "git commit -m 'a b' -q --x", A },
		/* Bare Bash allows every command. */
		{ "Bash", "eval 'rm -rf /'", A },
		{ "Bash(*)", "anything at all", A },
	};
	char	*rule;
	size_t	 i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (decide_bash(PERM_ASK, table[i].allow, NULL,
		    table[i].command, &rule) != table[i].want)
			fail_msg("allow %s, run \"%s\": not %s",
			    table[i].allow, table[i].command,
			    table[i].want == A ? "allowed" : "asked");
		if (table[i].want == A) {
			assert_non_null(rule);
			assert_non_null(strstr(rule, "allow "));
		}
		free(rule);
	}
}

static void
test_deny(void **state)
{
	char	*rule;
	int	 m;

	/* Deny wins over allow, in every mode, bypass included. */
	for (m = 0; m < PERM_MODE_COUNT; m++) {
		assert_int_equal(decide_bash(m, "Bash", "Bash(rm:*)",
		    "rm -rf /", &rule), D);
		assert_string_equal(rule, "deny Bash(rm:*)");
		free(rule);
		assert_int_equal(decide_bash(m, NULL, "Bash(rm:*)",
		    "make && timeout 9 rm -rf x", NULL), D);
		assert_int_equal(decide_bash(m, NULL, "Bash(git push:*)",
		    "sh -c 'git push --force'", NULL), D);
	}
	/* What cannot be checked against a deny rule is asked, bypass too. */
	assert_int_equal(decide_bash(PERM_BYPASS, NULL, "Bash(rm:*)",
	    "$(echo rm) -rf /", &rule), Q);
	assert_string_equal(rule, "deny Bash(rm:*)");
	free(rule);
	assert_int_equal(decide_bash(PERM_BYPASS, NULL, "Bash(rm:*)",
	    "eval \"$X\"", NULL), Q);
	assert_int_equal(decide_bash(PERM_BYPASS, NULL, "Bash(rm:*)",
	    "eval rm -rf /", NULL), D);
	assert_int_equal(decide_bash(PERM_BYPASS, NULL, NULL,
	    "$(echo rm) -rf /", NULL), A);
	/* Read and Edit deny rules see the paths a command names. */
	assert_int_equal(decide_bash(PERM_BYPASS, "Bash", "Read(~/.ssh/**)",
	    "cat ~/.ssh/id_rsa", NULL), D);
	assert_int_equal(decide_bash(PERM_BYPASS, "Bash", "Read(~/.ssh/**)",
	    "cat README.md", NULL), A);
	assert_int_equal(decide_bash(PERM_BYPASS, "Bash", "Edit(/secret)",
	    "echo x > secret", NULL), D);
	/* A * in a deny rule: any words in its place. */
	assert_int_equal(decide_bash(PERM_BYPASS, "Bash", "Bash(git * --force)",
	    "git push origin main --force", NULL), D);
	assert_int_equal(decide_bash(PERM_BYPASS, "Bash", "Bash(git * --force)",
	    "make && /usr/bin/git push --force", NULL), D);
	assert_int_equal(decide_bash(PERM_BYPASS, "Bash", "Bash(git * --force)",
	    "git push", NULL), A);
	/* By its path too. */
	assert_int_equal(decide_bash(PERM_BYPASS, NULL, "Bash(rm:*)",
	    "/bin/rm -rf x", NULL), D);
	assert_int_equal(decide_bash(PERM_ASK, "Bash(rm:*)", NULL,
	    "/bin/rm -rf x", NULL), Q);
	assert_int_equal(decide_bash(PERM_BYPASS, NULL, "Bash(rm:*)", "ls",
	    NULL), A);
	assert_int_equal(decide_bash(PERM_ASK, "Bash(ls)", "Bash(rm:*)",
	    "ls", NULL), A);
}

static void
test_rule_syntax(void **state)
{
	static const char *const good[] = {
		"Bash", "Bash(git status)", "Bash(npm run test:*)",
		"Edit(src/**)", "Write(./a.c)", "Read(~/.ssh/**)",
		"Read(//etc/passwd)", "Grep", "Glob", "mcp__github",
		"mcp__github__*", "mcp__github__create_issue", "edit_file",
		"bash(ls)", "lsp_rename", "  Bash(make)  ",
		"Bash(git * --dry-run)", "Bash(git *status)", "Bash(* --version)",
	};
	static const char *const bad[] = {
		"", "Bash(", "Grep(x)", "Bash()x",
		"foo bar", "mcp__x*", "WebFetch(domain:example.com)",
	};
	char	*cause;
	size_t	 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		cause = NULL;
		if (policy_rule_check(good[i], &cause) != 0)
			fail_msg("%s: %s", good[i], cause);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		if (policy_rule_check(bad[i], &cause) == 0)
			fail_msg("%s: accepted", bad[i]);
		assert_non_null(cause);
		free(cause);
	}
}

/* The decision for tool name writing (w) or reading path. */
static enum perm_decision
decide_path(struct perm *p, const char *name, int w, const char *path,
    char **protect)
{
	struct tool_effects	 fx;
	struct perm_verdict	 v;
	enum perm_decision	 d;

	tool_effects_init(&fx);
	if (w) {
		fx.flags = EFFECT_EDIT | EFFECT_MUTATES;
		tool_effects_write(&fx, path);
	} else
		tool_effects_read(&fx, path);
	perm_decide(p, name, &fx, &v);
	d = v.d;
	if (protect != NULL)
		*protect = v.protect != NULL ? xstrdup(v.protect) : NULL;
	perm_verdict_release(&v);
	tool_effects_release(&fx);
	return (d);
}

static void
test_paths(void **state)
{
	struct perm	*p = perm_create(PERM_ASK);
	char		*cause = NULL, *home, *ssh, *prot;

	perm_set_root(p, root);
	assert_int_equal(perm_add_rule(p, POLICY_ALLOW, "Edit(src/**)",
	    "test", 0, &cause), 0);
	assert_int_equal(perm_add_rule(p, POLICY_DENY, "Read(~/.ssh/**)",
	    "test", 0, &cause), 0);
	assert_int_equal(perm_add_rule(p, POLICY_ASK, "Read(*.env)",
	    "test", 0, &cause), 0);
	assert_int_equal(perm_add_rule(p, POLICY_DENY, "Edit(/secret)",
	    "test", 0, &cause), 0);
	assert_int_equal(decide_path(p, "edit_file", 1, "src/a.c", NULL), A);
	assert_int_equal(decide_path(p, "write_file", 1, "src/x/y.c", NULL),
	    A);
	assert_int_equal(decide_path(p, "edit_file", 1, "./src/../src/a.c",
	    NULL), A);
	assert_int_equal(decide_path(p, "edit_file", 1, "lib/a.c", NULL), Q);
	assert_int_equal(decide_path(p, "edit_file", 1, "src/../lib/a.c",
	    NULL), Q);
	assert_int_equal(decide_path(p, "edit_file", 1, "secret", NULL), D);
	assert_int_equal(decide_path(p, "edit_file", 1, "x/secret", NULL), Q);
	home = getenv("HOME") != NULL ? xstrdup(getenv("HOME")) : NULL;
	if (home != NULL) {
		ssh = xasprintf("%s/.ssh/id_rsa", home);
		assert_int_equal(decide_path(p, "read_file", 0, ssh, NULL), D);
		free(ssh);
		/* Denied in bypass too. */
		perm_set_mode(p, PERM_BYPASS);
		assert_int_equal(decide_path(p, "read_file", 0, "~/.ssh/x",
		    NULL), D);
		perm_set_mode(p, PERM_ASK);
		free(home);
	}
	assert_int_equal(decide_path(p, "read_file", 0, "a/b/.env", NULL), Q);
	assert_int_equal(decide_path(p, "read_file", 0, "a/b/c.txt", NULL), A);

	/* Protected paths: asked, naming them, even with an allow rule. */
	assert_int_equal(perm_add_rule(p, POLICY_ALLOW, "Edit", "test", 0,
	    &cause), 0);
	assert_int_equal(decide_path(p, "edit_file", 1, "README", NULL), A);
	perm_set_mode(p, PERM_ACCEPT_EDITS);
	assert_int_equal(decide_path(p, "edit_file", 1, ".agentos/config.json",
	    &prot), Q);
	assert_string_equal(prot, ".agentos/config.json");
	free(prot);
	assert_int_equal(decide_path(p, "edit_file", 1, ".GIT/config", &prot),
	    Q);
	assert_string_equal(prot, ".GIT/config");
	free(prot);
	assert_int_equal(decide_path(p, "edit_file", 1, ".Git/hooks/pre-commit",
	    &prot), Q);
	free(prot);
	assert_int_equal(decide_path(p, "edit_file", 1,
	    "./.git/../.git/config", &prot), Q);
	assert_string_equal(prot, ".git/config");
	free(prot);
	assert_int_equal(decide_path(p, "write_file", 1, ".mcp.json", &prot),
	    Q);
	free(prot);
	assert_int_equal(decide_path(p, "write_file", 1, "sub/AGENTS.md",
	    &prot), Q);
	free(prot);
	assert_int_equal(decide_path(p, "write_file", 1, "CLAUDE.md", &prot),
	    Q);
	free(prot);
	assert_int_equal(decide_path(p, "write_file", 1, ".husky/pre-push",
	    &prot), Q);
	free(prot);
	assert_int_equal(decide_path(p, "write_file", 1, ".gitmodules",
	    &prot), Q);
	free(prot);
	assert_int_equal(decide_path(p, "write_file", 1, "sub/.git/config",
	    &prot), Q);
	free(prot);
	assert_int_equal(decide_path(p, "write_file", 1, "gitx/config",
	    &prot), A);
	assert_null(prot);
	perm_set_mode(p, PERM_BYPASS);
	assert_int_equal(decide_path(p, "write_file", 1, ".git/config", NULL),
	    A);
	perm_free(p);
}

static void
test_protected_symlink(void **state)
{
	struct perm	*p = perm_create(PERM_ACCEPT_EDITS);
	char		*link, *dir, *prot, *cfg, *cmd;

	dir = xasprintf("%s/.git", root);
	mkdir(dir, 0755);
	link = xasprintf("%s/innocent", root);
	if (symlink(".git", link) != 0)
		fail_msg("symlink failed");
	perm_set_root(p, root);
	assert_int_equal(decide_path(p, "write_file", 1, "innocent/config",
	    &prot), Q);
	assert_string_equal(prot, ".git/config");
	free(prot);
	/* Commands: a redirection into a protected path. */
	assert_int_equal(decide_bash(PERM_ASK, "Bash", NULL,
	    "echo x > innocent/hooks/pre-commit", NULL), Q);
	assert_int_equal(decide_bash(PERM_ASK, "Bash(echo:*)", NULL,
	    "echo x > .agentos/config.json", NULL), Q);
	/* The user's config, outside the repository, too. */
	if ((cfg = config_user_path()) != NULL) {
		cmd = xasprintf("echo x > %s", cfg);
		assert_int_equal(decide_bash(PERM_ASK, "Bash", NULL, cmd,
		    NULL), Q);
		free(cmd);
		cmd = xasprintf("echo x > %s/../elsewhere.txt", root);
		assert_int_equal(decide_bash(PERM_ASK, "Bash", NULL, cmd,
		    NULL), A);
		free(cmd);
		free(cfg);
	}
	perm_free(p);
	unlink(link);
	free(link);
	free(dir);
}

static void
test_names(void **state)
{
	struct perm		*p = perm_create(PERM_ASK);
	struct tool_effects	 fx;
	char			*cause = NULL;

	perm_set_root(p, root);
	assert_int_equal(perm_add_rule(p, POLICY_ALLOW, "mcp__github",
	    "test", 0, &cause), 0);
	assert_int_equal(perm_add_rule(p, POLICY_DENY, "mcp__evil__*",
	    "test", 0, &cause), 0);
	assert_int_equal(perm_add_rule(p, POLICY_DENY, "Grep", "test", 0,
	    &cause), 0);
	tool_effects_init(&fx);
	fx.flags = EFFECT_UNKNOWN | EFFECT_MUTATES | EFFECT_NETWORK;
	assert_int_equal(perm_check(p, "mcp__github__create_issue", &fx,
	    NULL), A);
	assert_int_equal(perm_check(p, "mcp__githubx__x", &fx, NULL), Q);
	assert_int_equal(perm_check(p, "mcp__evil__x", &fx, NULL), D);
	assert_int_equal(perm_check(p, "mcp__other__x", &fx, NULL), Q);
	tool_effects_release(&fx);
	tool_effects_init(&fx);
	assert_int_equal(perm_check(p, "grep", &fx, NULL), D);
	assert_int_equal(perm_check(p, "glob", &fx, NULL), A);
	tool_effects_release(&fx);
	perm_free(p);
}

/* The "always" choices for a bash command, "/"-separated. */
static char *
choices(struct perm *p, const char *command)
{
	struct tool_effects	 fx;
	struct buf		 b = BUF_INIT;
	char			**v, *c;
	size_t			 n, i;

	tool_effects_init(&fx);
	fx.flags = EFFECT_EXEC | EFFECT_MUTATES;
	fx.command = xstrdup(command);
	n = perm_always_choices(p, "bash", &fx, &v);
	for (i = 0; i < n; i++) {
		for (c = v[i]; *c != '\0'; c++) {
			if (*c == '\n')
				*c = '+';
		}
		buf_addf(&b, "%s%s", i == 0 ? "" : " / ", v[i]);
		free(v[i]);
	}
	free(v);
	tool_effects_release(&fx);
	return (buf_detach(&b, NULL));
}

static void
test_choices(void **state)
{
	static const struct {
		const char	*command, *want;
	} table[] = {
		{ "git status", "Bash(git status) / Bash(git status:*)" },
		{ "git -C . status", "Bash(git -C . status)" },
		{ "make test", "Bash(make test) / Bash(make test:*)" },
		{ "npm run test -- x",
		  "Bash(npm run test -- x) / Bash(npm run test:*)" },
		{ "sh build.sh", "Bash(sh build.sh)" },
		{ "cat README.md", "Bash(cat README.md)" },
		{ "timeout 60 make", "Bash(make)" },
		{ "make && make check",
		  "Bash(make)+Bash(make check) / "
		  "Bash(make)+Bash(make check:*)" },
		{ "sh -c \"$X\"", "" },
		{ "eval \"$X\"", "" },
		{ "echo \"a b\"", "Bash(echo 'a b')" },
		{ "git commit -m \"it's\"", "Bash(git commit:*)" },
		{ "ls *.c", "" },
		{ "xargs rm", "" },
	};
	struct perm	*p = perm_create(PERM_ASK);
	char		*s;
	size_t		 i;

	perm_set_root(p, root);
	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		s = choices(p, table[i].command);
		if (strcmp(s, table[i].want) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"",
			    table[i].command, s, table[i].want);
		free(s);
	}
	/* Every choice, saved, allows the command it was offered for. */
	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		struct perm		*q = perm_create(PERM_ASK);
		struct tool_effects	 fx;
		char			**v;
		size_t			 n, j;

		perm_set_root(q, root);
		tool_effects_init(&fx);
		fx.flags = EFFECT_EXEC | EFFECT_MUTATES;
		fx.command = xstrdup(table[i].command);
		n = perm_always_choices(q, "bash", &fx, &v);
		for (j = 0; j < n; j++) {
			perm_allow_choice(q, v[j]);
			if (perm_check(q, "bash", &fx, NULL) != A)
				fail_msg("\"%s\": choice %s does not allow "
				    "it", table[i].command, v[j]);
			while (perm_rules(q) > 0)
				assert_int_equal(perm_remove_rule(q, 0, &s), 0);
			free(v[j]);
		}
		free(v);
		tool_effects_release(&fx);
		perm_free(q);
	}
	/* A command already allowed in a compound one is not offered. */
	perm_allow_choice(p, "Bash(make)");
	s = choices(p, "make && make check");
	assert_string_equal(s, "Bash(make check) / Bash(make check:*)");
	free(s);
	/* Session rules can be listed and removed; config ones not. */
	assert_int_equal(perm_add_rule(p, POLICY_DENY, "Bash(rm:*)",
	    "/etc/x.json", 0, &s), 0);
	assert_int_equal(perm_rules(p), 2);
	assert_int_equal(perm_remove_rule(p, 1, &s), -1);
	free(s);
	assert_int_equal(perm_remove_rule(p, 0, &s), 0);
	assert_int_equal(perm_rules(p), 1);
	perm_free(p);
}

static void
test_config(void **state)
{
	struct config	 cfg;
	struct perm	*p;
	char		*cause = NULL, *path, *text;
	const char	*t, *origin;
	const char * const *probs;
	size_t		 n;
	FILE		*f;
	json_t		*j;

	memset(&cfg, 0, sizeof cfg);
	assert_int_equal(config_load_string(&cfg, "{\"permissions\": "
	    "{\"allow\": [\"Bash(make)\", \"Bash(\"], \"deny\": "
	    "[\"Bash(rm:*)\"]}}", &cause), 0);
	/* A bad rule is a problem, not an error. */
	n = options_problems(&cfg, &probs);
	assert_true(n >= 1);
	/* A second file adds to the list. */
	assert_int_equal(options_load_string(&cfg, "{\"permissions.allow\": "
	    "[\"Bash(make check)\"]}", "second", &cause), 0);
	p = perm_create(PERM_ASK);
	perm_set_root(p, root);
	perm_load_config(p, &cfg);
	assert_int_equal(perm_rules(p), 3);
	assert_int_equal(perm_rule_at(p, 1, NULL, &t, &origin, NULL), 0);
	assert_string_equal(t, "Bash(make check)");
	assert_string_equal(origin, "second");
	perm_free(p);
	config_release(&cfg);

	/* The user's file and the project's merge, each rule its origin. */
	path = xasprintf("%s/user.json", root);
	f = fopen(path, "w");
	fputs("{\"permissions\": {\"allow\": [\"Bash(make)\"]}}", f);
	fclose(f);
	text = xasprintf("%s/project.json", root);
	f = fopen(text, "w");
	fputs("{\"permissions.allow\": [\"Bash(make)\", \"Grep\"], "
	    "\"permissions.deny\": [\"Bash(rm:*)\"]}", f);
	fclose(f);
	memset(&cfg, 0, sizeof cfg);
	assert_int_equal(config_load_string(&cfg, "{}", &cause), 0);
	assert_int_equal(options_load_file(&cfg, path, OPTION_USER, &cause),
	    0);
	assert_int_equal(options_load_file(&cfg, text, OPTION_PROJECT,
	    &cause), 0);
	p = perm_create(PERM_ASK);
	perm_load_config(p, &cfg);
	assert_int_equal(perm_rules(p), 3);
	assert_int_equal(perm_rule_at(p, 0, NULL, &t, &origin, NULL), 0);
	assert_string_equal(t, "Bash(make)");
	assert_string_equal(origin, path);
	assert_int_equal(perm_rule_at(p, 1, NULL, &t, &origin, NULL), 0);
	assert_string_equal(t, "Grep");
	assert_string_equal(origin, text);
	perm_free(p);
	config_release(&cfg);
	free(path);
	free(text);

	/* Saving to the user's config keeps its other keys. */
	path = xasprintf("%s/cfg/deeper/config.json", root);
	assert_int_equal(policy_save_user_rules(path, "Bash(a)\nBash(b:*)",
	    &cause), 0);
	assert_int_equal(policy_save_user_rules(path, "Bash(a)", &cause), 0);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j,
	    "permissions"), "allow")), 2);
	json_decref(j);
	f = fopen(path, "w");
	fputs("{\"theme\": \"dark\", \"permissions.allow\": [\"Grep\"]}", f);
	fclose(f);
	assert_int_equal(policy_save_user_rules(path, "Bash(a)", &cause), 0);
	j = json_load_file(path, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "theme")),
	    "dark");
	assert_int_equal(json_array_size(json_object_get(j,
	    "permissions.allow")), 2);
	text = json_dumps(j, 0);
	free(text);
	json_decref(j);
	free(path);
}

static int
setup(void **state)
{
	char	*r = tt_tmpdir();

	root = realpath(r, NULL);
	free(r);
	return (0);
}

static int
teardown(void **state)
{
	tt_rmtree(root);
	free(root);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_deny),
		cmocka_unit_test(test_rule_syntax),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_protected_symlink),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_config),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
