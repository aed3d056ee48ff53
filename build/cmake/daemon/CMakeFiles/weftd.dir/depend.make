# Empty dependencies file for weftd.
# This may be replaced when dependencies are built.
