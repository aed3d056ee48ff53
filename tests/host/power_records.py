#!/usr/bin/env python3
"""Records for the power-off test (tests/host/power-off.sh).

  power_records.py write ROUND WRITER DIR   write records until killed
  power_records.py verify ACKED DIR         check every acknowledged record

A writer makes record 0, 1, 2, ... durable one at a time (fsync or
fdatasync) and only then prints `WEFT-ACK ROUND WRITER N end` on stdout (the
VM's serial console), one write(2) per line.  The host keeps the lines that
reached the console before the power cut; every one of them names a record
that must be on the drives, byte for byte, at every later boot.  A record's
bytes are a function of (round, writer, n), so nothing else needs keeping.

Writers (each its own file or directory per round, name r<ROUND>-w<WRITER>):
  0  append 8 KiB records with O_DIRECT, fsync
  1  append 5000-byte records through the page cache, fdatasync: records
     share 4 KiB blocks, so each write rewrites the tail block of the last
     acknowledged record
  2  one new file per record (3000..9000 bytes), fsync: the file's creation
     must be durable too
  3  overwrite 8 slots of 16 KiB in turn, fdatasync: each slot must hold its
     last acknowledged record or a newer one; the slot of a write in flight
     at the cut may hold, per 4 KiB block, either
"""
import mmap
import os
import random
import sys

SLOTS = 8
SLOT = 16384
BLOCK = 4096


def content(rnd, w, n, size):
    return random.Random(f"{rnd}/{w}/{n}").randbytes(size)


def size_of(w, n):
    return {0: 8192, 1: 5000, 2: 3000 + (n % 7) * 1000, 3: SLOT}[w]


def ack(rnd, w, n):
    os.write(1, f"WEFT-ACK {rnd} {w} {n} end\n".encode())


def write(rnd, w, d):
    base = os.path.join(d, f"r{rnd}-w{w}")
    n = 0
    try:
        if w == 0:
            fd = os.open(base, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o644)
            buf = mmap.mmap(-1, 8192)
            while True:
                buf[:] = content(rnd, w, n, 8192)
                if os.pwritev(fd, [buf], n * 8192) != 8192:
                    raise OSError(0, "short write")
                os.fsync(fd)
                ack(rnd, w, n)
                n += 1
        elif w == 1:
            fd = os.open(base, os.O_WRONLY | os.O_CREAT, 0o644)
            while True:
                if os.pwrite(fd, content(rnd, w, n, 5000), n * 5000) != 5000:
                    raise OSError(0, "short write")
                os.fdatasync(fd)
                ack(rnd, w, n)
                n += 1
        elif w == 2:
            os.mkdir(base)
            while True:
                fd = os.open(os.path.join(base, f"rec-{n}"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                data = content(rnd, w, n, size_of(w, n))
                if os.write(fd, data) != len(data):
                    raise OSError(0, "short write")
                os.fsync(fd)
                os.close(fd)
                ack(rnd, w, n)
                n += 1
        elif w == 3:
            fd = os.open(base, os.O_WRONLY | os.O_CREAT, 0o644)
            while True:
                if os.pwrite(fd, content(rnd, w, n, SLOT), (n % SLOTS) * SLOT) != SLOT:
                    raise OSError(0, "short write")
                os.fdatasync(fd)
                ack(rnd, w, n)
                n += 1
    except OSError as e:
        os.write(1, f"WEFT-WRITER-ERROR round {rnd} writer {w} record {n}: "
                    f"errno {e.errno} ({os.strerror(e.errno) if e.errno else e.strerror})\n".encode())
        return 1


def verify(acked, d):
    # (round, writer) -> acknowledged record numbers
    acks = {}
    with open(acked) as f:
        for line in f:
            r, w, n = map(int, line.split())
            acks.setdefault((r, w), set()).add(n)
    bad = []
    records = 0
    for (r, w), ns in sorted(acks.items()):
        base = os.path.join(d, f"r{r}-w{w}")
        records += len(ns)
        if w in (0, 1):
            try:
                with open(base, "rb") as f:
                    data = f.read()
            except OSError as e:
                bad.append(f"{base}: {e}")
                continue
            rs = size_of(w, 0)
            for n in sorted(ns):
                got = data[n * rs:(n + 1) * rs]
                if got != content(r, w, n, rs):
                    first = next((i for i in range(len(got)) if got[i:i + 1] != content(r, w, n, rs)[i:i + 1]), len(got))
                    bad.append(f"{base}: acknowledged record {n} (bytes {n * rs}..{(n + 1) * rs - 1}) differs "
                               f"from byte {n * rs + first} (file size {len(data)})")
        elif w == 2:
            for n in sorted(ns):
                p = os.path.join(base, f"rec-{n}")
                try:
                    with open(p, "rb") as f:
                        got = f.read()
                except OSError as e:
                    bad.append(f"{p}: acknowledged record {n}: {e}")
                    continue
                if got != content(r, w, n, size_of(w, n)):
                    bad.append(f"{p}: acknowledged record {n} differs (size {len(got)}, want {size_of(w, n)})")
        elif w == 3:
            try:
                with open(base, "rb") as f:
                    data = f.read()
            except OSError as e:
                bad.append(f"{base}: {e}")
                continue
            top = max(ns)
            for s in range(SLOTS):
                last = max((n for n in ns if n % SLOTS == s), default=None)
                if last is None:
                    continue
                # the slot's last acknowledged record, or a newer one whose
                # acknowledgement did not reach the console (the cut, or a
                # kernel message breaking the line)
                ok = [content(r, w, n, SLOT) for n in range(last, top + SLOTS + 1, SLOTS)]
                got = data[s * SLOT:(s + 1) * SLOT]
                for b in range(0, SLOT, BLOCK):
                    if not any(got[b:b + BLOCK] == o[b:b + BLOCK] for o in ok):
                        bad.append(f"{base}: slot {s} (last acknowledged record {last}) block at byte "
                                   f"{s * SLOT + b} holds neither it nor a newer record")
                        break
    for b in bad[:20]:
        print(f"LOST: {b}")
    print(f"verified {records} acknowledged records of {len(acks)} writer rounds: {len(bad)} bad")
    return 1 if bad else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "write":
        return write(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    if len(sys.argv) == 4 and sys.argv[1] == "verify":
        return verify(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
