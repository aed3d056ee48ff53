/work/main/build/kmod/6.1.0-56-amd64/compat/mnt_idmap.o
