package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSTATUS;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_CPT;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.Registers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A small hand-written host for unit tests: a channel table with cookies, the message sub-calls
 * over the command port and the high-bandwidth port, a TCLO endpoint with a command queue and an
 * RPCI endpoint with a settable handler, plus the faults the tests need.
 *
 * <p>Faults: {@link #failNext} answers the next matching call(s) with a status lacking SUCCESS and
 * without touching any state; {@link #kill} makes every call on a channel fail, close included;
 * {@link #dropChannel} forgets a channel on the host side (calls fail, as after an invalidation)
 * while a close still succeeds if {@code closeStillAccepted}.
 */
final class FakeHost implements Backdoor {

  /** Pseudo sub-commands for the two high-bandwidth calls. */
  static final int HB_OUT = 100;

  static final int HB_IN = 101;

  static final class Channel {
    final int id;
    final int protocol;
    final int cookieHigh;
    final int cookieLow;
    boolean dead;
    boolean closeAccepted = true;
    // guest -> host
    int expected = -1;
    byte[] incoming;
    int received;
    // host -> guest
    byte[] outgoing;
    int sentOut;
    boolean heardFrom;
    boolean commandOutstanding;
    String lastRequest;

    Channel(int id, int protocol, int cookieHigh, int cookieLow) {
      this.id = id;
      this.protocol = protocol;
      this.cookieHigh = cookieHigh;
      this.cookieLow = cookieLow;
    }
  }

  private static final class Fault {
    final int protocol;
    final int call;
    final int status;
    int remaining;

    Fault(int protocol, int call, int status, int remaining) {
      this.protocol = protocol;
      this.call = call;
      this.status = status;
      this.remaining = remaining;
    }
  }

  final Map<Integer, Channel> channels = new LinkedHashMap<>();
  private final List<Fault> faults = new ArrayList<>();
  private int nextId = 1;
  private int nextCookie = 0x1000;

  boolean hbOffered = true;
  boolean cookiesSupported = true;
  boolean sendResetOnOpen = true;
  boolean rejectUnsolicitedReplies;
  int maxChannels = 128;

  /** What OPEN leaves in edx's low word; a real host leaves 0 (vmt insists on it). */
  int openEdxLow = 0;

  final Deque<String> tcloCommands = new ArrayDeque<>();
  final List<String> tcloReplies = new ArrayList<>();
  final List<String> unsolicitedReplies = new ArrayList<>();
  int tcloPings;
  int tcloOpens;
  int closes;
  final List<String> rpciRequests = new ArrayList<>();
  final List<byte[]> rpciRawRequests = new ArrayList<>();
  Function<byte[], byte[]> rpciHandler = request -> bytes("1 ");

  /**
   * RPCI requests whose reply length the host then refuses to give (the guest's get length fails).
   */
  Predicate<String> rpciLengthRefused = request -> false;

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The next {@code times} calls of kind {@code call} on {@code protocol} get {@code status}. */
  void failNext(int protocol, int call, int status, int times) {
    faults.add(new Fault(protocol, call, status, times));
  }

  /** Every call on the open channels of {@code protocol} fails from now on, close included. */
  void kill(int protocol) {
    for (Channel c : channels.values()) {
      if (c.protocol == protocol) {
        c.dead = true;
        c.closeAccepted = false;
      }
    }
  }

  /** Every call on the open channels of {@code protocol} fails, but a close is still accepted. */
  void dropChannel(int protocol) {
    for (Channel c : channels.values()) {
      if (c.protocol == protocol) {
        c.dead = true;
        c.closeAccepted = true;
      }
    }
  }

  Channel tclo() {
    for (Channel c : channels.values()) {
      if (c.protocol == PROTOCOL_TCLO) {
        return c;
      }
    }
    return null;
  }

  long openChannels(int protocol) {
    return channels.values().stream().filter(c -> c.protocol == protocol).count();
  }

  @Override
  public Registers in(Registers r) {
    if (r.eax() != MAGIC || r.ecxLow() != BackdoorProtocol.CMD_MESSAGE) {
      return r.withEbx(0);
    }
    int sub = r.ecxHigh();
    if (sub == MESSAGE_OPEN) {
      return open(r);
    }
    Channel c = lookup(r.edxHigh(), r.esi(), r.edi());
    if (c == null) {
      return failIn(r, 0);
    }
    Integer fault = fault(c.protocol, sub);
    if (fault != null) {
      return failIn(r, fault);
    }
    if (sub == MESSAGE_CLOSE) {
      if (!c.closeAccepted) {
        return failIn(r, 0);
      }
      channels.remove(c.id);
      closes++;
      return status(r, STATUS_SUCCESS);
    }
    if (c.dead) {
      return failIn(r, 0);
    }
    switch (sub) {
      case MESSAGE_SENDSIZE:
        return sendSize(c, r);
      case MESSAGE_SENDPAYLOAD:
        return sendPayload(c, r);
      case MESSAGE_RECVSIZE:
        return recvSize(c, r);
      case MESSAGE_RECVPAYLOAD:
        return recvPayload(c, r);
      case MESSAGE_RECVSTATUS:
        return recvStatus(c, r);
      default:
        return failIn(r, 0);
    }
  }

  private Registers open(Registers r) {
    boolean cookie = (r.ebx() & FLAG_COOKIE) != 0;
    int protocol = r.ebx() & ~FLAG_COOKIE;
    if ((cookie && !cookiesSupported)
        || channels.size() >= maxChannels
        || (protocol != PROTOCOL_RPCI && protocol != PROTOCOL_TCLO)) {
      return failIn(r, 0);
    }
    Integer fault = fault(protocol, MESSAGE_OPEN);
    if (fault != null) {
      return failIn(r, fault);
    }
    int id = nextId++;
    int high = cookie ? nextCookie++ : 0;
    int low = cookie ? nextCookie++ : 0;
    Channel c = new Channel(id, protocol, high, low);
    channels.put(id, c);
    if (protocol == PROTOCOL_TCLO) {
      tcloOpens++;
      if (sendResetOnOpen) {
        tcloCommands.addFirst("reset");
      }
    }
    return Registers.of(
        r.eax(),
        0,
        Registers.words(STATUS_SUCCESS, 0),
        Registers.words(id, openEdxLow),
        high,
        low,
        r.ebp());
  }

  private Channel lookup(int id, int cookieHigh, int cookieLow) {
    Channel c = channels.get(id);
    if (c == null || c.cookieHigh != cookieHigh || c.cookieLow != cookieLow) {
      return null;
    }
    return c;
  }

  private Integer fault(int protocol, int call) {
    for (Fault f : faults) {
      if (f.protocol == protocol && f.call == call && f.remaining > 0) {
        f.remaining--;
        return f.status;
      }
    }
    return null;
  }

  private Registers sendSize(Channel c, Registers r) {
    int length = r.ebx();
    if (length == 0) {
      if (c.protocol == PROTOCOL_TCLO) {
        tcloPings++;
        c.heardFrom = true;
      }
      c.expected = -1;
      return status(r, STATUS_SUCCESS | (hbOffered ? STATUS_HB : 0));
    }
    if (c.protocol == PROTOCOL_TCLO && !c.commandOutstanding && rejectUnsolicitedReplies) {
      unsolicitedReplies.add("(rejected, " + length + " bytes)");
      return failIn(r, 0);
    }
    c.expected = length;
    c.incoming = new byte[length];
    c.received = 0;
    return status(r, STATUS_SUCCESS | (hbOffered ? STATUS_HB : 0));
  }

  private Registers sendPayload(Channel c, Registers r) {
    if (c.expected < 0) {
      return failIn(r, 0);
    }
    int n = Math.min(4, c.expected - c.received);
    for (int i = 0; i < n; i++) {
      c.incoming[c.received++] = (byte) (r.ebx() >>> (8 * i));
    }
    if (c.received == c.expected) {
      complete(c);
    }
    return status(r, STATUS_SUCCESS);
  }

  private void complete(Channel c) {
    byte[] message = c.incoming;
    c.expected = -1;
    if (c.protocol == PROTOCOL_TCLO) {
      String text = new String(message, StandardCharsets.UTF_8);
      c.heardFrom = true;
      if (c.commandOutstanding) {
        tcloReplies.add(text);
        c.commandOutstanding = false;
      } else {
        unsolicitedReplies.add(text);
      }
    } else {
      rpciRawRequests.add(message);
      String text = new String(message, StandardCharsets.UTF_8);
      if (text.endsWith("\0")) {
        text = text.substring(0, text.length() - 1);
      }
      rpciRequests.add(text);
      c.lastRequest = text;
      c.outgoing = rpciHandler.apply(message);
      c.sentOut = 0;
    }
  }

  private Registers recvSize(Channel c, Registers r) {
    if (c.protocol != PROTOCOL_TCLO
        && c.lastRequest != null
        && rpciLengthRefused.test(c.lastRequest)) {
      return failIn(r, 0);
    }
    if (c.outgoing == null
        && c.protocol == PROTOCOL_TCLO
        && c.heardFrom
        && !c.commandOutstanding
        && !tcloCommands.isEmpty()) {
      c.outgoing = bytes(tcloCommands.removeFirst());
      c.sentOut = 0;
      c.commandOutstanding = true;
    }
    if (c.outgoing == null) {
      return status(r, STATUS_SUCCESS);
    }
    c.sentOut = 0;
    return Registers.of(
        r.eax(),
        c.outgoing.length,
        Registers.words(STATUS_SUCCESS | STATUS_DORECV | (hbOffered ? STATUS_HB : 0), 0),
        Registers.words(MESSAGE_SENDSIZE, 0),
        r.esi(),
        r.edi(),
        r.ebp());
  }

  private Registers recvPayload(Channel c, Registers r) {
    if (c.outgoing == null) {
      return failIn(r, 0);
    }
    if (r.ebx() == 0) {
      // The guest gave up on the message.
      return status(r, STATUS_SUCCESS);
    }
    int word = 0;
    for (int i = 0; i < 4 && c.sentOut < c.outgoing.length; i++) {
      word |= (c.outgoing[c.sentOut++] & 0xFF) << (8 * i);
    }
    return Registers.of(
        r.eax(),
        word,
        Registers.words(STATUS_SUCCESS, 0),
        Registers.words(MESSAGE_SENDPAYLOAD, 0),
        r.esi(),
        r.edi(),
        r.ebp());
  }

  private Registers recvStatus(Channel c, Registers r) {
    if (c.outgoing == null) {
      return failIn(r, 0);
    }
    if ((r.ebx() & STATUS_SUCCESS) != 0) {
      c.outgoing = null;
    }
    return status(r, STATUS_SUCCESS);
  }

  @Override
  public Registers outs(Registers r, byte[] bytes) {
    Channel c = lookup(r.edxHigh(), r.ebp(), r.edi());
    if (c == null) {
      return r.withEbx(0);
    }
    Integer fault = fault(c.protocol, HB_OUT);
    if (fault != null) {
      return r.withEbx(Registers.words(fault, 0));
    }
    if (c.dead || c.expected != bytes.length) {
      return r.withEbx(0);
    }
    System.arraycopy(bytes, 0, c.incoming, 0, bytes.length);
    c.received = bytes.length;
    complete(c);
    return r.withEbx(Registers.words(STATUS_SUCCESS, 0));
  }

  @Override
  public Registers ins(Registers r, byte[] into) {
    Channel c = lookup(r.edxHigh(), r.esi(), r.ebp());
    if (c == null) {
      return r.withEbx(0);
    }
    Integer fault = fault(c.protocol, HB_IN);
    if (fault != null) {
      return r.withEbx(Registers.words(fault, 0));
    }
    if (c.dead || c.outgoing == null) {
      return r.withEbx(0);
    }
    System.arraycopy(c.outgoing, 0, into, 0, Math.min(into.length, c.outgoing.length));
    return r.withEbx(Registers.words(STATUS_SUCCESS, 0));
  }

  private static Registers status(Registers r, int status) {
    return r.withEcx(Registers.words(status, 0)).withEbx(0);
  }

  private static Registers failIn(Registers r, int status) {
    return r.withEcx(Registers.words(status, 0));
  }

  /** CPT without SUCCESS, as after a checkpoint. */
  static final int CPT = STATUS_CPT;

  @Override
  public String toString() {
    return "FakeHost{channels="
        + channels.keySet()
        + ", commands="
        + tcloCommands
        + ", replies="
        + tcloReplies
        + ", unsolicited="
        + unsolicitedReplies
        + ", rpci="
        + rpciRequests
        + ", "
        + Arrays.toString(new int[] {tcloPings})
        + "}";
  }
}
