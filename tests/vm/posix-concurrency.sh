#!/bin/bash
# Several processes creating, renaming and deleting in one directory while
# others list it (tests/vm/posix_check.py concurrency): no lost or
# duplicated entries.  tmpfs as the control, then weft through weftd.
. "$(dirname "$0")/posix-common.inc"
posix_run pxconc concurrency
exit 0
