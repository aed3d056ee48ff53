#!/bin/bash
# POSIX attr checks (tests/vm/posix_check.py attr): tmpfs as the control,
# then weft through weftd; both must pass with the same assertions.
. "$(dirname "$0")/posix-common.inc"
posix_run pxattr attr
exit 0
