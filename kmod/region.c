// SPDX-License-Identifier: GPL-2.0
/*
 * The shared region a daemon maps: kernel pages, each queue's on the NUMA
 * node of the CPUs that submit to it (queue q serves CPUs c with
 * c % nr_queues == q).  The kernel sees the header and each queue through
 * their own vmap(); the daemon maps all pages, in region order, with one
 * MAP_SHARED mmap.  Pages are freed when the daemon's file is released,
 * which cannot happen while a mapping of them exists.
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include "weft.h"

static int weft_queue_node(u32 q, u32 nr_queues)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (cpu % nr_queues == q)
			return cpu_to_node(cpu);
	return NUMA_NO_NODE;
}

void weft_region_free(struct weft_region *r)
{
	unsigned long i;
	u32 q;

	if (!r)
		return;
	if (r->qbase)
		for (q = 0; q < r->nr_queues; q++)
			if (r->qbase[q])
				vunmap(r->qbase[q]);
	if (r->hdr)
		vunmap(r->hdr);
	if (r->pages)
		for (i = 0; i < r->nr_pages; i++)
			if (r->pages[i])
				__free_page(r->pages[i]);
	kvfree(r->pages);
	kfree(r->qbase);
	kfree(r);
}

/* a zeroed region laid out as h says, with h copied into its first page */
struct weft_region *weft_region_alloc(const struct weft_region_header *h)
{
	unsigned long hdr_pages = h->queue_offset >> PAGE_SHIFT;
	unsigned long q_pages = h->queue_stride >> PAGE_SHIFT;
	struct weft_region *r;
	unsigned long i, p;
	u32 q;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	r->nr_queues = h->nr_queues;
	r->nr_pages = hdr_pages + h->nr_queues * q_pages;
	r->size = r->nr_pages << PAGE_SHIFT;
	r->pages = kvcalloc(r->nr_pages, sizeof(*r->pages), GFP_KERNEL);
	r->qbase = kcalloc(h->nr_queues, sizeof(*r->qbase), GFP_KERNEL);
	if (!r->pages || !r->qbase)
		goto fail;

	for (i = 0; i < hdr_pages; i++) {
		r->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!r->pages[i])
			goto fail;
	}
	r->hdr = vmap(r->pages, hdr_pages, VM_MAP, PAGE_KERNEL);
	if (!r->hdr)
		goto fail;
	memcpy(r->hdr, h, sizeof(*h));

	for (q = 0; q < h->nr_queues; q++) {
		int node = weft_queue_node(q, h->nr_queues);

		p = hdr_pages + q * q_pages;
		for (i = 0; i < q_pages; i++) {
			r->pages[p + i] = alloc_pages_node(node, GFP_KERNEL_ACCOUNT | __GFP_ZERO |
							   __GFP_NOWARN, 0);
			if (!r->pages[p + i])
				goto fail;
		}
		r->qbase[q] = vmap(r->pages + p, q_pages, VM_MAP, PAGE_KERNEL);
		if (!r->qbase[q])
			goto fail;
		cond_resched();
	}
	return r;
fail:
	weft_region_free(r);
	return NULL;
}

/* the daemon's mapping: all of it, shared, from offset 0 (checked by the caller) */
int weft_region_mmap(struct weft_region *r, struct vm_area_struct *vma)
{
	unsigned long num = r->nr_pages;

	weft_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_insert_pages(vma, vma->vm_start, r->pages, &num);
}
