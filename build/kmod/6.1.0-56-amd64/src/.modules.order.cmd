cmd_/work/main/build/kmod/6.1.0-56-amd64/src/modules.order := {   echo /work/main/build/kmod/6.1.0-56-amd64/src/weft.ko; :; } > /work/main/build/kmod/6.1.0-56-amd64/src/modules.order
