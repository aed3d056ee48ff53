# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build/cmake
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("daemon")
subdirs("cli")
subdirs("tests/unit")
subdirs("tests/tools")
