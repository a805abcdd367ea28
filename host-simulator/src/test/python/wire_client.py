#!/usr/bin/env python3
"""A client of the simulator's wire protocol, written from docs/wire-protocol.md alone.

Runs the page's examples against a running `vmbackdoor.jar serve`: GETVERSION, an RPCI
info-set/info-get round trip over the high-bandwidth port and over the 4-byte path, and a TCLO
poll. Prints one line per example and exits 0 when every answer is what the page says; prints
the reason and exits 1 otherwise. Python 3 standard library only.

    python3 wire_client.py --port N [--host 127.0.0.1] [--vm vm1]
"""

import argparse
import socket
import struct
import sys

# Frame types and limits (doc section 4, 8).
HELLO, HELLO_OK, IN, OUTS, INS, ERROR = 0x01, 0x81, 0x02, 0x03, 0x04, 0xFF
WIRE_MAGIC = 0x564D4244
MAX_FRAME = 69665

# Backdoor and message-layer constants (doc section 7.1).
MAGIC = 0x564D5868
LB_PORT, HB_PORT = 0x5658, 0x5659
CMD_GETVERSION, CMD_MESSAGE = 10, 30
OPEN, SENDSIZE, SENDPAYLOAD, RECVSIZE, RECVPAYLOAD, RECVSTATUS, CLOSE = range(7)
RPCI, TCLO, COOKIE = 0x49435052, 0x4F4C4354, 0x80000000
SUCCESS, DORECV, CPT, HB = 0x0001, 0x0002, 0x0010, 0x0080
MAX_RESTARTS = 16


class Failure(Exception):
    """Something the page says should not happen."""


class Connection:
    """One TCP connection to one VM: HELLO, then numbered register calls."""

    def __init__(self, host, port, vm):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.seq = 0
        name = vm.encode("utf-8")
        self.sock.sendall(struct.pack(">IBIHH", 9 + len(name), HELLO, WIRE_MAGIC, 1, len(name)) + name)
        ftype, body = self._read_frame()
        if ftype != HELLO_OK or len(body) != 6:
            raise Failure("expected HELLO_OK, got frame type 0x%02x" % ftype)
        version, self.max_transfer = struct.unpack(">HI", body)
        if version != 1:
            raise Failure("server speaks version %d" % version)

    def close(self):
        self.sock.close()

    def _read_exactly(self, n):
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise Failure("the server closed the connection")
            data += chunk
        return bytes(data)

    def _read_frame(self):
        (length,) = struct.unpack(">I", self._read_exactly(4))
        if not 1 <= length <= MAX_FRAME:
            raise Failure("frame length %d outside 1..%d" % (length, MAX_FRAME))
        frame = self._read_exactly(length)
        if frame[0] == ERROR and length >= 3:
            (code,) = struct.unpack(">H", frame[1:3])
            raise Failure("server error %d: %s" % (code, frame[3:].decode("utf-8", "replace")))
        return frame[0], frame[1:]

    def call(self, ftype, regs, data=b"", want=0):
        """One request; returns the seven answer registers and, for INS, the bytes."""
        if ftype in (OUTS, INS) and regs[2] > self.max_transfer:
            raise Failure("transfer of %d bytes over the max transfer" % regs[2])
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        regs = [r & 0xFFFFFFFF for r in regs]
        self.sock.sendall(struct.pack(">IBI7I", 33 + len(data), ftype, self.seq, *regs) + data)
        rtype, body = self._read_frame()
        expected_length = 32 + (regs[2] if ftype == INS else 0)
        if rtype != ftype | 0x80 or len(body) != expected_length:
            raise Failure("bad response type 0x%02x or length %d" % (rtype, len(body) + 1))
        (seq,) = struct.unpack(">I", body[:4])
        if seq != self.seq:
            raise Failure("response seq %d, expected %d" % (seq, self.seq))
        return list(struct.unpack(">7I", body[4:32])), body[32:]

    def command(self, ecx, ebx=0, edx=LB_PORT, esi=0, edi=0):
        regs, _ = self.call(IN, [MAGIC, ebx, ecx, edx, esi, edi, 0])
        return regs


class Channel:
    """A GuestMsg channel (doc section 7): OPEN, send, receive, CLOSE."""

    def __init__(self, conn, protocol, use_hb):
        self.conn, self.use_hb = conn, use_hb
        regs = conn.command(CMD_MESSAGE | OPEN << 16, ebx=protocol | COOKIE)
        if (regs[2] >> 16) & SUCCESS == 0:
            raise Failure("OPEN refused, ecx=0x%08x" % regs[2])
        self.id, self.cookie_high, self.cookie_low = regs[3] >> 16, regs[4], regs[5]

    def _sub(self, sub, ebx=0):
        regs = self.conn.command(CMD_MESSAGE | sub << 16, ebx=ebx, edx=self.id << 16 | LB_PORT,
                                 esi=self.cookie_high, edi=self.cookie_low)
        return regs, regs[2] >> 16

    def _hb(self, ftype, count, data=b""):
        if ftype == OUTS:  # esi = source pointer, edi = low cookie, ebp = high cookie
            regs = [MAGIC, SUCCESS << 16, count, self.id << 16 | HB_PORT, 0, self.cookie_low,
                    self.cookie_high]
        else:  # esi = high cookie, edi = destination pointer, ebp = low cookie
            regs = [MAGIC, SUCCESS << 16, count, self.id << 16 | HB_PORT, self.cookie_high, 0,
                    self.cookie_low]
        answer, received = self.conn.call(ftype, regs, data)
        return answer[1] >> 16, received

    def send(self, message):
        for _ in range(MAX_RESTARTS):
            _, status = self._sub(SENDSIZE, len(message))
            if status & SUCCESS == 0:
                raise Failure("SENDSIZE refused, status 0x%04x" % status)
            if not message:
                return
            if self.use_hb and status & HB:
                status, _ = self._hb(OUTS, len(message), message)
            else:
                for i in range(0, len(message), 4):
                    piece = message[i:i + 4].ljust(4, b"\0")
                    _, status = self._sub(SENDPAYLOAD, struct.unpack("<I", piece)[0])
                    if status & SUCCESS == 0:
                        break
            if status & SUCCESS:
                return
            if status & CPT == 0:
                raise Failure("sending failed, status 0x%04x" % status)
        raise Failure("too many checkpoint restarts")

    def receive(self):
        """The next host message, or None when there is none."""
        for _ in range(MAX_RESTARTS):
            regs, status = self._sub(RECVSIZE)
            if status & SUCCESS == 0:
                raise Failure("RECVSIZE refused, status 0x%04x" % status)
            if status & DORECV == 0:
                return None
            if regs[3] >> 16 != SENDSIZE:
                raise Failure("RECVSIZE answered edx=0x%08x" % regs[3])
            length = regs[1]
            if self.use_hb and status & HB and length <= self.conn.max_transfer:
                status, message = self._hb(INS, length)
            else:
                message = bytearray()
                while len(message) < length:
                    regs, status = self._sub(RECVPAYLOAD, 1)
                    if status & SUCCESS == 0:
                        break
                    if regs[3] >> 16 != SENDPAYLOAD:
                        raise Failure("RECVPAYLOAD answered edx=0x%08x" % regs[3])
                    message += struct.pack("<I", regs[1])
                message = bytes(message[:length])
            if status & SUCCESS:
                _, status = self._sub(RECVSTATUS, 1)
                if status & SUCCESS:
                    return message
            if status & CPT == 0:
                raise Failure("receiving failed, status 0x%04x" % status)
        raise Failure("too many checkpoint restarts")

    def close(self):
        _, status = self._sub(CLOSE)
        if status & SUCCESS == 0:
            raise Failure("CLOSE refused, status 0x%04x" % status)


def rpci(conn, use_hb, request):
    channel = Channel(conn, RPCI, use_hb)
    try:
        channel.send(request.encode("latin-1"))
        reply = channel.receive()
        return "" if reply is None else reply.decode("latin-1")
    finally:
        channel.close()


def expect(what, actual, expected):
    if actual != expected:
        raise Failure("%s: got %r, expected %r" % (what, actual, expected))


def run(conn):
    regs = conn.command(CMD_GETVERSION, ebx=~MAGIC & 0xFFFFFFFF)
    expect("GETVERSION ebx", regs[1], MAGIC)
    print("GETVERSION: version %d, product type %d" % (regs[0], regs[2]))

    for use_hb, path, value in ((True, "HB", "10.0.0.7"), (False, "4-byte", "10.0.0.8")):
        set_reply = rpci(conn, use_hb, "info-set guestinfo.ip " + value)
        expect("info-set reply", set_reply, "1 ")
        get_reply = rpci(conn, use_hb, "info-get guestinfo.ip")
        expect("info-get reply", get_reply, "1 " + value)
        print("RPCI over %s: info-set -> %r, info-get -> %r" % (path, set_reply, get_reply))

    tclo = Channel(conn, TCLO, use_hb=True)
    tclo.send(b"")  # "I am here"
    command = tclo.receive()
    expect("first TCLO command", command, b"reset")
    tclo.send(b"OK ATR toolbox")
    tclo.close()
    print("TCLO: received %r" % command.decode("latin-1"))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--vm", default="vm1")
    args = parser.parse_args(argv)
    try:
        conn = Connection(args.host, args.port, args.vm)
        try:
            run(conn)
        finally:
            conn.close()
    except (Failure, OSError) as e:
        print("wire_client: %s" % e, file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
