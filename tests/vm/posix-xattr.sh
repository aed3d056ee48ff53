#!/bin/bash
# POSIX xattr, ACL and RENAME_WHITEOUT checks (tests/vm/posix_check.py xattr
# acl whiteout): tmpfs as the control, then weft through weftd.
. "$(dirname "$0")/posix-common.inc"
posix_run pxxattr xattr acl whiteout
exit 0
