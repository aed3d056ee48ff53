# Empty compiler generated dependencies file for weft_daemon_tests.
# This may be replaced when dependencies are built.
