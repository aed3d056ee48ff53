# Empty dependencies file for mount.weft.
# This may be replaced when dependencies are built.
