/work/main/build/kmod/6.12.117+deb12-amd64/compat/mnt_idmap.o
