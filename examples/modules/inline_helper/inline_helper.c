// SPDX-License-Identifier: GPL-2.0
/*
 * The fault is two inlined calls deep: stats_add() inlined into stats_record() inlined into
 * inline_helper_count(), so the oops names only inline_helper_count and the DWARF inline chain is
 * what leads to the line. The statistics were never allocated.
 */
#include <linux/compiler.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

struct lab_stats {
	unsigned long hits;
	unsigned long misses;
};

struct lab_stats *lab_stats;

static __always_inline void stats_add(unsigned long *counter, unsigned long n)
{
	*counter += n; /* CRASH HERE */
}

static __always_inline void stats_record(struct lab_stats *s, bool hit)
{
	if (hit)
		stats_add(&s->hits, 1);
	else
		stats_add(&s->misses, 1);
}

/* Prints the statistics gathered so far. */
void inline_helper_report(const char *what)
{
	pr_info("inline_helper: %s: %lu hits, %lu misses\n", what,
		READ_ONCE(lab_stats->hits), READ_ONCE(lab_stats->misses));
}
EXPORT_SYMBOL_GPL(inline_helper_report);

/* Counts the even numbers among the N VALUES into the statistics; returns how many there were. */
int inline_helper_count(const int *values, int n)
{
	int i, hits = 0;

	pr_info("inline_helper: counting %d values\n", n);
	for (i = 0; i < n; i++) {
		bool hit = values[i] % 2 == 0;

		stats_record(lab_stats, hit);
		hits += hit;
	}
	return hits;
}
EXPORT_SYMBOL_GPL(inline_helper_count);

static int __init inline_helper_init(void)
{
	static const int values[] = { 4, 8, 15, 16, 23, 42 };

	inline_helper_count(values, ARRAY_SIZE(values));
	inline_helper_report("after init");
	return 0;
}

static void __exit inline_helper_exit(void)
{
}

module_init(inline_helper_init);
module_exit(inline_helper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("crashnav example: NULL write inside an __always_inline helper");
