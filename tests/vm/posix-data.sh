#!/bin/bash
# POSIX data and O_DIRECT checks (tests/vm/posix_check.py data direct): tmpfs as the control,
# then weft through weftd; both must pass with the same assertions.
. "$(dirname "$0")/posix-common.inc"
posix_run pxdata data direct
exit 0
