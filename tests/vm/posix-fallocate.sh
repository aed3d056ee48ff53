#!/bin/bash
# POSIX fallocate, SEEK_DATA/SEEK_HOLE and copy_file_range checks
# (tests/vm/posix_check.py fallocate seek copy_range): tmpfs as the
# control, then weft through weftd.
. "$(dirname "$0")/posix-common.inc"
posix_run pxfalloc fallocate seek copy_range
exit 0
