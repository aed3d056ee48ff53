/work/main/build/kmod/6.12.117+deb12-amd64/src/main.o
/work/main/build/kmod/6.12.117+deb12-amd64/src/dev.o
/work/main/build/kmod/6.12.117+deb12-amd64/src/inode.o
/work/main/build/kmod/6.12.117+deb12-amd64/src/netlink.o
