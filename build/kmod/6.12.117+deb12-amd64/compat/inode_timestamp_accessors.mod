/work/main/build/kmod/6.12.117+deb12-amd64/compat/inode_timestamp_accessors.o
