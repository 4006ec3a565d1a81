/* repomodel-rank.c */
#include "agentos.h"
#include "banned.h"
