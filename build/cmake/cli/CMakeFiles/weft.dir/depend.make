# Empty dependencies file for weft.
# This may be replaced when dependencies are built.
