/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test tool of tests/tools needs: a fatal one-line failure
 * ("PROG: FAIL: ...", exit 1) and errno names for messages.  Each tool
 * defines `static const char *prog` before including this.
 */
#ifndef WEFT_TOOL_COMMON_H
#define WEFT_TOOL_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEV "/dev/weft"

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: FAIL: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "OK";

	return n ? n : "?";
}

#endif
