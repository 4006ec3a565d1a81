/* Macro-heavy C: attributes, declaration macros, #ifdef'd heads. */
#include <stdio.h>
#include "queue.h"

#define MAX_ITEMS 64
#define SQUARE(x) ((x) * (x))
#define UNUSED __attribute__((unused))
#define DEFINE_GETTER(name) int get_##name(void) { return name; }

struct item {
	int		 value;
	TAILQ_ENTRY(item) entry;
};

TAILQ_HEAD(item_list, item);

typedef struct item *item_ptr;
typedef int (*item_cb)(struct item *, void *);

enum colour { RED, GREEN = 2, BLUE };

union number {
	int	i;
	double	d;
};

static int counter;
const char *names[] = { "a", "b" };

int	item_count(const struct item_list *);

static inline int UNUSED
helper(int x)
{
	return SQUARE(x) + counter;
}

static struct item *
item_new(int value)
{
	struct item	*it = calloc(1, sizeof *it);

	if (it != NULL)
		it->value = value;
	return (it);
}

int
item_count(const struct item_list *l)
{
	const struct item	*it;
	int			 n = 0;

	TAILQ_FOREACH(it, l, entry)
		n++;
	return (n);
}

static void
item_walk(struct item_list *l, item_cb cb, void *arg)
{
	struct item	*it;

	TAILQ_FOREACH(it, l, entry) {
		if (cb(it, arg) != 0)
			break;
	}
}

#ifdef HAVE_PRINTF
__attribute__((format(printf, 1, 2))) void
log_msg(const char *fmt, ...)
{
	(void)fmt;
	printf("%d\n", MAX_ITEMS);
}
#endif

void (*get_handler(int sig))(int)
{
	(void)sig;
	return (NULL);
}

int
main(void)
{
	struct item_list	 l;
	item_ptr		 p = item_new(helper(3));

	TAILQ_INIT(&l);
	item_walk(&l, NULL, p);
	return (item_count(&l) == 0 ? 0 : 1);
}
