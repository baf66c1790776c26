// SPDX-License-Identifier: GPL-2.0
/*
 * Calls panic() from its init function: no oops and no register dump, only "Kernel panic - not
 * syncing" and the stack panic() prints, whose frame for the init function is a return address.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/panic.h>

static int __init kill_kernel_init(void)
{
	pr_info("kill_kernel: about to panic\n");
	panic("kill_kernel: killing the kernel on purpose"); /* CRASH HERE */
	return 0;
}

module_init(kill_kernel_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("crashnav example: panic() in init");
