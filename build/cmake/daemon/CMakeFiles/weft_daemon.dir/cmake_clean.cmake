file(REMOVE_RECURSE
  "CMakeFiles/weft_daemon.dir/uapi_check.cc.o"
  "CMakeFiles/weft_daemon.dir/uapi_check.cc.o.d"
  "libweft_daemon.a"
  "libweft_daemon.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/weft_daemon.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
