// SPDX-License-Identifier: GPL-2.0
/*
 * The control of the crash lab: loads and unloads cleanly, so a run that oopses is the other
 * modules' doing and not the lab's.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init hello_init(void)
{
	pr_info("hello: loaded\n");
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("hello: unloaded\n");
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("crashnav example: loads and unloads cleanly");
