// SPDX-License-Identifier: GPL-2.0
/* 6.3+: vma->vm_flags is read-only; change it with vm_flags_set(). */
#include <linux/mm.h>

void weft_test(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
}
