/work/main/build/kmod/6.1.0-56-amd64/compat/inode_timestamp_accessors.o
