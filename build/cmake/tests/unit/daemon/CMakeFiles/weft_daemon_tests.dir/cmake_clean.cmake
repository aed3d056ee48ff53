file(REMOVE_RECURSE
  "CMakeFiles/weft_daemon_tests.dir/uapi_layout_test.cc.o"
  "CMakeFiles/weft_daemon_tests.dir/uapi_layout_test.cc.o.d"
  "weft_daemon_tests"
  "weft_daemon_tests.pdb"
  "weft_daemon_tests[1]_tests.cmake"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/weft_daemon_tests.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
