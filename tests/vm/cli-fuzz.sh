#!/bin/bash
# Netlink fuzz: random and malformed requests to the `weft` family (random
# commands, flags, attribute types, lengths and contents, oversized JSON,
# unterminated strings, bogus nests), as root and unprivileged, with a
# daemon attached.  Afterwards the module, the daemon and the CLI still work
# (the kernel log is judged by the runner).
. "$(dirname "$0")/ring-common.inc"

ROUNDS=${WEFT_FUZZ_ROUNDS:-3000}
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

load
daemon_start fz1

cat >/tmp/cli-fuzz.py <<'PY'
import os, random, socket, struct, sys
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
rounds, seed, privileged = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "root"
rnd = random.Random(seed)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
s.settimeout(30)
seq = 0

def attr(t, payload, flags=0):
    n = 4 + len(payload)
    return struct.pack("HH", n, t | flags) + payload + b"\0" * ((4 - n % 4) % 4)

def send(family, cmd, attrs, flags, reserved=0):
    global seq
    seq += 1
    body = struct.pack("BBH", cmd, 1, reserved) + attrs
    s.send(struct.pack("IHHII", 16 + len(body), family, flags, seq, 0) + body)
    # drain until this request's error/ack/done
    while True:
        data = s.recv(1 << 17)
        off = 0
        while off + 16 <= len(data):
            n, typ, _, sq = struct.unpack_from("IHHI", data, off)
            if n < 16: return None
            if sq == seq and typ in (2, 3):
                return struct.unpack_from("i", data, off + 16)[0] if typ == 2 else 0
            off += (n + 3) & ~3

def family_id():
    global seq
    seq += 1
    name = attr(2, b"weft\0")
    body = struct.pack("BBH", 3, 1, 0) + name
    s.send(struct.pack("IHHII", 16 + len(body), 0x10, 1, seq, 0) + body)
    m = s.recv(65536)[20:]
    p = 0
    while p + 4 <= len(m):
        al, at = struct.unpack_from("HH", m, p)
        if at == 1: return struct.unpack_from("H", m, p + 4)[0]
        p += max(4, (al + 3) & ~3)
    raise SystemExit("no weft family")

def rand_payload():
    k = rnd.randrange(10)
    if k == 0: return b""
    if k == 1: return struct.pack("I", rnd.choice([0, 1, 999, 86400000, 86400001, 0xffffffff]))
    if k == 2: return os.urandom(rnd.randrange(1, 9))
    if k == 3: return rnd.choice([b"fz1", b"nope", b"", b"x" * 31, b"x" * 32, b"x" * 100]) + b"\0"
    if k == 4: return rnd.choice([b"fz1", b"noterm", b"{"])	# not NUL terminated
    if k == 5:
        docs = [b'{"command":"status"}', b'{"command":"fs list","args":{}}', b'{}', b'[]',
                b'{"command":7}', b'{"command":"status","args":[]}', b'null', b'\xff\xfe',
                b'{"command":"' + b"a" * 5000 + b'"}', b'{"args":{"a":' * 200]
        return rnd.choice(docs) + b"\0"
    if k == 6: return b"x" * rnd.choice([61439, 61440, 61441, 65000]) + b"\0"	# around WEFT_MGMT_MAX
    if k == 7:	# a nest of random attributes
        return b"".join(attr(rnd.randrange(16), os.urandom(rnd.randrange(0, 12))) for _ in range(rnd.randrange(4)))
    if k == 8: return b"\0" * rnd.randrange(1, 64)
    return os.urandom(rnd.randrange(1, 300))

def rand_json():
    cmds = ["status", "version", "fs list", "fs create", "drive add", "bogus", "", "x" * 300]
    k = rnd.randrange(6)
    if k == 0:
        return os.urandom(rnd.randrange(1, 2000)).replace(b"\0", b"\1")
    if k == 1:
        return b"x" * rnd.choice([1000, 30000, 61440])
    args = {"name": rnd.choice(["a", "", "x" * 200, 7, None]),
            "capacity_bytes": rnd.choice([0, -1, 2 ** 64, "1G"]), "paths": ["/dev/null"]}
    doc = {"command": rnd.choice(cmds), "args": {k: v for k, v in args.items() if rnd.random() < .5}}
    if k == 2:
        doc["args"] = rnd.choice([[], "x", 1, None])
    if k == 3:
        del doc["command"]
    import json
    return json.dumps(doc).encode()

def structured():
    """A request of the right shape with plausible, random values."""
    cmd = rnd.choice([1, 2, 3, 4, 5, 5, 5, 5])
    if cmd in (2, 3):
        return cmd, b"", 0x305
    if cmd == 1:
        return cmd, b"", 0x5
    a = b""
    if cmd == 4 or rnd.random() < .3:
        a += attr(4, rnd.choice([b"fz1", b"fz1", b"nope"]) + b"\0")
    if cmd == 4:
        if rnd.random() < .7: a += attr(5, struct.pack("I", rnd.choice([1000, 30000, 86400000])))
        if rnd.random() < .7: a += attr(6, struct.pack("I", rnd.choice([0, 1000, 86400000])))
    else:
        a += attr(7, rand_json() + b"\0")
    return cmd, a, 0x5

F = family_id()
counts = {}
for i in range(rounds):
    reserved = 0
    if rnd.random() < .5:
        cmd, attrs, flags = structured()
    else:
        reserved = rnd.choice([0, 0, 0, 1, 0xffff])
        cmd = rnd.choice([0, 1, 2, 3, 4, 5, 6, 99, 255] + [4, 5] * 3)
        flags = 0x1 | rnd.choice([0x4, 0x4, 0x300 | 0x4, 0x4 | 0x8])
        attrs = b""
        for _ in range(rnd.randrange(0, 5)):
            t = rnd.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 40, 0x3fff] + [4, 5, 6, 7] * 3)
            attrs += attr(t, rand_payload(), rnd.choice([0, 0, 0, 0x8000, 0x4000]))
        if rnd.randrange(20) == 0:
            attrs += os.urandom(rnd.randrange(1, 4))	# trailing junk
    if len(attrs) > 65000:
        attrs = attrs[:65000]
    err = send(F, cmd, attrs, flags, reserved)
    counts[err] = counts.get(err, 0) + 1
    if not privileged and cmd in (4, 5) and err not in (-1, -95, -22, -34):
        raise SystemExit(f"unprivileged cmd {cmd} got {err}")
print("fuzz", sys.argv[3], "errnos:", dict(sorted(counts.items(), key=lambda kv: -kv[1])))
PY

seed=${WEFT_FUZZ_SEED:-$(date +%s)}
echo "$T: seed $seed, $ROUNDS rounds"
python3 /tmp/cli-fuzz.py "$ROUNDS" "$seed" root || fail "fuzz (root) stopped"
$NOBODY python3 /tmp/cli-fuzz.py "$((ROUNDS / 3))" "$((seed + 1))" nobody || fail "fuzz (unprivileged) stopped"

# everything still works
kill -0 "$DPID" 2>/dev/null || fail "weftd died during the fuzz"
weft version --json >/tmp/fz.out 2>&1 || fail "weft version after fuzz: $(cat /tmp/fz.out)"
weft local status --json >/tmp/fz.out 2>&1 || fail "local status after fuzz: $(cat /tmp/fz.out)"
python3 -c "import json; d=json.load(open('/tmp/fz.out')); assert d['channels'][0]['name'] == 'fz1' and d['channels'][0]['state'] == 'attached', d" ||
	fail "channel fz1 not attached after fuzz: $(cat /tmp/fz.out)"
weft local set --name fz1 --timeout 30 --grace 1 >/tmp/fz.out 2>&1 || fail "local set after fuzz: $(cat /tmp/fz.out)"
if [ "$(daemon_kind)" = weftd ]; then
	weft status --json >/tmp/fz.out 2>&1 || fail "weft status after fuzz: $(cat /tmp/fz.out)"
	python3 -c "import json; assert json.load(open('/tmp/fz.out'))['daemon']['name'] == 'fz1'" ||
		fail "weft status after fuzz: $(cat /tmp/fz.out)"
fi
do_mount fz1/default /mnt/fz1
stat /mnt/fz1 >/dev/null || fail "stat through a mount after fuzz"
do_umount /mnt/fz1
daemon_kill "$DPID"
unload
echo "$T: ok ($(daemon_kind))"
exit 0
