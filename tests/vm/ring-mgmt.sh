#!/bin/bash
# Management relay and channel settings through the module: a JSON request
# sent over generic netlink (WEFT_CMD_MGMT) reaches weftd as WEFT_OP_MGMT
# and its reply comes back; WEFT_CMD_SET changes the channel's timeout,
# seen in WEFT_CMD_CHANNEL_LIST; an unknown channel is ENOENT.
. "$(dirname "$0")/ring-common.inc"

load
daemon_start rmg
do_mount rmg/default /mnt/rmg
stat /mnt/rmg >/dev/null || fail "stat failed"
python3 - <<'PY' || fail "management relay over netlink failed"
import errno, os, socket, struct, sys

def attr(t, payload):
    a = struct.pack("HH", 4 + len(payload), t) + payload
    return a + b"\0" * ((4 - len(a) % 4) % 4)

def attrs(buf):
    out, i = {}, 0
    while i + 4 <= len(buf):
        l, t = struct.unpack_from("HH", buf, i)
        if l < 4:
            break
        out.setdefault(t & 0x3fff, []).append(buf[i + 4:i + l])
        i += (l + 3) & ~3
    return out

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.bind((0, 0))
seq = [0]

def request(family, cmd, payload, flags=0):
    seq[0] += 1
    msg = struct.pack("BBH", cmd, 1, 0) + payload
    s.send(struct.pack("IHHII", 16 + len(msg), family, 1 | 4 | flags, seq[0], 0) + msg)
    replies = []
    while True:
        data = s.recv(1 << 20)
        i, done = 0, False
        while i < len(data):
            l, typ, fl, sq, _ = struct.unpack_from("IHHII", data, i)
            body = data[i + 16:i + l]
            i += (l + 3) & ~3
            if sq != seq[0]:
                continue        # the ACK of an earlier request
            if typ == 2:        # NLMSG_ERROR
                err = struct.unpack_from("i", body)[0]
                if err:
                    return -err, replies
                done = True
            elif typ == 3:      # NLMSG_DONE
                done = True
            else:
                replies.append(attrs(body[4:]))
                if not flags:
                    done = True
        if done:
            return 0, replies

err, r = request(0x10, 3, attr(2, b"weft\0"))
assert not err, "no weft family: %d" % err
fam = struct.unpack("H", r[0][1][0][:2])[0]

WEFT_CMD_CHANNEL_LIST, WEFT_CMD_SET, WEFT_CMD_MGMT = 2, 4, 5
A_CHANNEL, A_NAME, A_TIMEOUT, A_JSON = 3, 4, 5, 7
err, r = request(fam, WEFT_CMD_MGMT, attr(A_NAME, b"rmg\0") + attr(A_JSON, b'{"command":"version"}\0'))
if err:
    sys.exit("ring-mgmt: MGMT failed: %s" % os.strerror(err))
reply = r[0][A_JSON][0].rstrip(b"\0").decode()
if '"ok"' not in reply and "ok" not in reply:
    sys.exit("ring-mgmt: unexpected reply %r" % reply)
print("ring-mgmt: reply %s" % reply[:100])

err, r = request(fam, WEFT_CMD_MGMT, attr(A_NAME, b"nosuch\0") + attr(A_JSON, b'{"command":"version"}\0'))
if err != errno.ENOENT:
    sys.exit("ring-mgmt: MGMT to an unknown channel gave %d, want ENOENT" % err)

err, r = request(fam, WEFT_CMD_SET, attr(A_NAME, b"rmg\0") + attr(A_TIMEOUT, struct.pack("I", 7000)))
if err:
    sys.exit("ring-mgmt: SET failed: %s" % os.strerror(err))
err, r = request(fam, WEFT_CMD_CHANNEL_LIST, b"", flags=0x300)  # NLM_F_DUMP
if err:
    sys.exit("ring-mgmt: CHANNEL_LIST failed: %s" % os.strerror(err))
found = False
for m in r:
    for nest in m.get(A_CHANNEL, []):
        ch = attrs(nest)
        if ch.get(1, [b""])[0].rstrip(b"\0") == b"rmg":
            found = True
            t = struct.unpack("I", ch[6][0][:4])[0]
            sub = struct.unpack("Q", ch[9][0][:8])[0]
            comp = struct.unpack("Q", ch[10][0][:8])[0]
            if t != 7000 or sub < 2 or comp < 2:
                sys.exit("ring-mgmt: channel timeout %d submitted %d completed %d" % (t, sub, comp))
if not found:
    sys.exit("ring-mgmt: rmg not in the channel list")
print("ring-mgmt: SET and CHANNEL_LIST agree")
PY
do_umount /mnt/rmg
daemon_kill "$DPID"
unload
echo "$T: ok"
exit 0
