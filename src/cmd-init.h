/*
 * cmd-init.h: /init: an AGENTS.md for the repository, drafted from what is
 * there (not by the model): the layout (top-level folders with their file
 * counts and main file types), the build and test commands the build files
 * name (a table of build systems), and conventions (.editorconfig, the
 * instruction files already there, the languages), then the most central
 * definitions of the repository model's map.
 */
#ifndef CMD_INIT_H
#define CMD_INIT_H

struct repo;
struct repomodel;

/*
 * The draft for the repository at root (absolute) with file list rp and
 * model rm (either may be NULL).  Caller frees.
 */
char	*cmd_init_draft(const char *root, struct repo *rp,
	    struct repomodel *rm);

#endif
