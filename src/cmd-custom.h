/*
 * cmd-custom.h: custom slash commands, Claude Code's format: a Markdown
 * file NAME.md in .agentos/commands/ of the repository (read only when the
 * project is trusted, config.project_trusted) or in
 * $XDG_CONFIG_HOME/agentos/commands/ (~/.config when unset) is /NAME.  An
 * optional front matter between "---" lines gives description,
 * argument-hint and allowed-tools (parsed and shown; agentos's own policy
 * still decides what runs); the body is the message, with $ARGUMENTS
 * replaced by what follows the name and $1 ... $9 by its words.
 */
#ifndef CMD_CUSTOM_H
#define CMD_CUSTOM_H

#include <stddef.h>

struct config;

#define CMD_CUSTOM_MAX		200		/* commands read */
#define CMD_CUSTOM_FILE_MAX	(64 * 1024)	/* bytes of one file */

struct cmd_custom {
	char	*name;		/* without the slash */
	char	*description;	/* front matter, or the body's first line */
	char	*argument_hint;	/* or NULL */
	char	*allowed_tools;	/* as written, or NULL */
	char	*body;
	char	*path;		/* the file */
	int	 project;	/* from the repository, not the user */
};

/*
 * Parse the text of command file name.md into c (the caller's, released
 * with cmd_custom_release()).  0, or -1 with cause (an unterminated front
 * matter).
 */
int	 cmd_custom_parse(const char *name, const char *text,
	    struct cmd_custom *c, char **cause);
void	 cmd_custom_release(struct cmd_custom *c);
/*
 * The message of c run with args: the body with $ARGUMENTS and $1 ... $9
 * (words of args; "double quotes" keep spaces) replaced; when the body
 * names neither, args (if any) follow it as "ARGUMENTS: args".  Caller
 * frees.
 */
char	*cmd_custom_expand(const struct cmd_custom *c, const char *args);
/*
 * Read the commands again: the user's directory, then the repository's at
 * root when cfg->project_trusted (a project command replaces a user one of
 * the same name).  Names are letters, digits, '-' and '_'; a name of a
 * built-in command (is_builtin) is skipped, as are files that are not
 * regular or over CMD_CUSTOM_FILE_MAX bytes.  The set is kept until the
 * next scan (cmd_custom_free_all() frees it).
 */
void	 cmd_custom_scan(const char *root, const struct config *cfg,
	    int (*is_builtin)(const char *));
/* The commands of the last scan, sorted by name; borrowed. */
size_t	 cmd_custom_count(void);
const struct cmd_custom *cmd_custom_get(size_t i);
const struct cmd_custom *cmd_custom_find(const char *name, size_t len);
void	 cmd_custom_free_all(void);

#endif
