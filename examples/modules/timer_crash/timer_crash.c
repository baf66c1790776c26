// SPDX-License-Identifier: GPL-2.0
/*
 * The fault happens in a timer callback, after insmod has returned: softirq context, so the trace
 * runs through the timer code inside <IRQ> ... </IRQ> and the task on the CPU is whoever was there.
 * The work item the timer updates is released (set to NULL) before the timer fires.
 */
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/timer.h>

struct lab_work {
	unsigned long armed_at;
	unsigned int runs;
};

static struct lab_work lab_work_item;
struct lab_work *lab_pending = &lab_work_item;
static struct timer_list lab_timer;

static noinline void lab_work_release(struct lab_work **slot)
{
	pr_info("timer_crash: releasing the work item armed at %lu\n", (*slot)->armed_at);
	WRITE_ONCE(*slot, NULL);
}

static void timer_crash_fire(struct timer_list *timer)
{
	struct lab_work *work = READ_ONCE(lab_pending);

	pr_info("timer_crash: fired %u ms after arming\n",
		jiffies_to_msecs(jiffies - lab_work_item.armed_at));
	work->runs++; /* CRASH HERE */
}

static int __init timer_crash_init(void)
{
	lab_work_item.armed_at = jiffies;
	timer_setup(&lab_timer, timer_crash_fire, 0);
	mod_timer(&lab_timer, jiffies + msecs_to_jiffies(100));
	lab_work_release(&lab_pending);
	return 0;
}

static void __exit timer_crash_exit(void)
{
	del_timer_sync(&lab_timer);
}

module_init(timer_crash_init);
module_exit(timer_crash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("crashnav example: NULL write in a timer callback (softirq)");
