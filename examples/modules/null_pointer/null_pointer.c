// SPDX-License-Identifier: GPL-2.0
/*
 * The classic: a global pointer left NULL and written through in init. `p` is global on purpose:
 * were it a local, GCC would fold the NULL and emit `movb $0x1,0x0`, leaving no register to blame;
 * as a global it is loaded first, so the oops shows `movb $0x1,(%rax)` with RAX 0.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

char *p = NULL;

static int __init null_pointer_init(void)
{
	pr_info("null_pointer: writing through p\n");
	*p = 1; /* CRASH HERE */
	pr_info("null_pointer: survived\n");
	return 0;
}

static void __exit null_pointer_exit(void)
{
}

module_init(null_pointer_init);
module_exit(null_pointer_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("crashnav example: NULL pointer write in init");
