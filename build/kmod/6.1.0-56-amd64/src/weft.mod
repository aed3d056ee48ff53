/work/main/build/kmod/6.1.0-56-amd64/src/main.o
/work/main/build/kmod/6.1.0-56-amd64/src/dev.o
/work/main/build/kmod/6.1.0-56-amd64/src/inode.o
/work/main/build/kmod/6.1.0-56-amd64/src/netlink.o
