# CMake generated Testfile for 
# Source directory: /work/main/daemon
# Build directory: /work/main/build/cmake/daemon
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
