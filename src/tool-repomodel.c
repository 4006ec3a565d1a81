/* tool-repomodel.c */
#include "agentos.h"
#include "banned.h"
