file(REMOVE_RECURSE
  "CMakeFiles/weft.dir/weft_main.cc.o"
  "CMakeFiles/weft.dir/weft_main.cc.o.d"
  "weft"
  "weft.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/weft.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
