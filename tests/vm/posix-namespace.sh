#!/bin/bash
# POSIX namespace checks (tests/vm/posix_check.py namespace): tmpfs as the control,
# then weft through weftd; both must pass with the same assertions.
. "$(dirname "$0")/posix-common.inc"
posix_run pxnamespace namespace
exit 0
