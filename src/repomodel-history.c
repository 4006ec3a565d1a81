/* repomodel-history.c */
#include "agentos.h"
#include "banned.h"
