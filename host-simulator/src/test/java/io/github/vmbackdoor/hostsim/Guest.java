package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static io.github.vmbackdoor.core.BackdoorProtocol.messageEcx;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;

/** Register-level guest calls for tests: one channel's id and cookies, and raw sub-calls. */
final class Guest {
  final Backdoor backdoor;
  final int id;
  final int cookieHigh;
  final int cookieLow;

  Guest(Backdoor backdoor, int id, int cookieHigh, int cookieLow) {
    this.backdoor = backdoor;
    this.id = id;
    this.cookieHigh = cookieHigh;
    this.cookieLow = cookieLow;
  }

  static Registers openCall(Backdoor backdoor, int protocol, boolean cookie) {
    return backdoor.in(
        Registers.of(
            MAGIC,
            protocol | (cookie ? FLAG_COOKIE : 0),
            messageEcx(MESSAGE_OPEN),
            COMMAND_PORT,
            0,
            0));
  }

  /** Opens a channel at register level; fails the test if the host refuses. */
  static Guest open(Backdoor backdoor, int protocol, boolean cookie) {
    Registers out = openCall(backdoor, protocol, cookie);
    if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
      throw new AssertionError("open refused: " + out);
    }
    return new Guest(backdoor, out.edxHigh(), out.esi(), out.edi());
  }

  Guest withCookies(int high, int low) {
    return new Guest(backdoor, id, high, low);
  }

  Guest withId(int otherId) {
    return new Guest(backdoor, otherId, cookieHigh, cookieLow);
  }

  /** A command-port message call; returns the answer. */
  Registers call(int subCommand, int ebx) {
    return backdoor.in(
        Registers.of(
            MAGIC,
            ebx,
            messageEcx(subCommand),
            Registers.words(id, COMMAND_PORT),
            cookieHigh,
            cookieLow));
  }

  /** The status (ecx high word) of a command-port message call. */
  int status(int subCommand, int ebx) {
    return call(subCommand, ebx).ecxHigh();
  }

  Registers outs(byte[] bytes) {
    return backdoor.outs(
        Registers.of(
            MAGIC,
            Registers.words(STATUS_SUCCESS, 0),
            bytes.length,
            Registers.words(id, HB_PORT),
            0,
            cookieLow,
            cookieHigh),
        bytes);
  }

  Registers ins(byte[] into) {
    return backdoor.ins(
        Registers.of(
            MAGIC,
            Registers.words(STATUS_SUCCESS, 0),
            into.length,
            Registers.words(id, HB_PORT),
            cookieHigh,
            0,
            cookieLow),
        into);
  }
}
