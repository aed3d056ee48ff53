# Empty dependencies file for weft_daemon.
# This may be replaced when dependencies are built.
