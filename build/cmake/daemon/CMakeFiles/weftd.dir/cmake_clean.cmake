file(REMOVE_RECURSE
  "CMakeFiles/weftd.dir/weftd_main.cc.o"
  "CMakeFiles/weftd.dir/weftd_main.cc.o.d"
  "weftd"
  "weftd.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/weftd.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
