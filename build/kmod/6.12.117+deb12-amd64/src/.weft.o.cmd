savedcmd_/work/main/build/kmod/6.12.117+deb12-amd64/src/weft.o := x86_64-linux-gnu-ld -m elf_x86_64 -z noexecstack --no-warn-rwx-segments   -r -o /work/main/build/kmod/6.12.117+deb12-amd64/src/weft.o @/work/main/build/kmod/6.12.117+deb12-amd64/src/weft.mod  ; ./tools/objtool/objtool --hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk --sls --static-call --uaccess --prefix=16  --link  --module /work/main/build/kmod/6.12.117+deb12-amd64/src/weft.o

/work/main/build/kmod/6.12.117+deb12-amd64/src/weft.o: $(wildcard ./tools/objtool/objtool)
