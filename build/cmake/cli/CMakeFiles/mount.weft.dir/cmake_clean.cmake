file(REMOVE_RECURSE
  "CMakeFiles/mount.weft.dir/mount_weft.cc.o"
  "CMakeFiles/mount.weft.dir/mount_weft.cc.o.d"
  "mount.weft"
  "mount.weft.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/mount.weft.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
