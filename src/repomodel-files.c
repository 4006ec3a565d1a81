/* repomodel-files.c */
#include "agentos.h"
#include "banned.h"
