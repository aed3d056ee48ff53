
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/unit/daemon/uapi_layout_test.cc" "tests/unit/daemon/CMakeFiles/weft_daemon_tests.dir/uapi_layout_test.cc.o" "gcc" "tests/unit/daemon/CMakeFiles/weft_daemon_tests.dir/uapi_layout_test.cc.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/cmake/daemon/CMakeFiles/weft_daemon.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
