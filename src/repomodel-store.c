/* repomodel-store.c */
#include "agentos.h"
#include "banned.h"
