# CMake generated Testfile for 
# Source directory: /work/main/tests/unit
# Build directory: /work/main/build/cmake/tests/unit
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("daemon")
subdirs("cli")
