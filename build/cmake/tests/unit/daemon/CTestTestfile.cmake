# CMake generated Testfile for 
# Source directory: /work/main/tests/unit/daemon
# Build directory: /work/main/build/cmake/tests/unit/daemon
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/cmake/tests/unit/daemon/weft_daemon_tests[1]_include.cmake")
