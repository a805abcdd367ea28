package io.github.vmbackdoor.hostsim.reliability;

import static io.github.vmbackdoor.core.BackdoorProtocol.CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.FLAG_COOKIE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_PORT;
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
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_DORECV;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_HB;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.VirtualHostBuilder;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.RpciRequest;
import io.github.vmbackdoor.hostsim.time.Simulation;
import io.github.vmbackdoor.rpc.GuestOsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A register-level fuzzer of one {@link VirtualHost}: valid call sequences on channels it opened,
 * the same with one wrong step (another sub-command, a wrong cookie or id, a wrong size), and
 * wholly random command-port and HB calls, mixed with host events.
 *
 * <p>Isolation is checked with tags: every message the fuzzer sends on one of its channels is that
 * channel's tag byte repeated, and the host echoes it back ({@code "1 " + text}). A request the
 * host assembles for a channel with any byte other than that channel's tag, or a reply byte other
 * than the tag, means bytes crossed channels. Wrong steps made with the channel's own cookies carry
 * its own tag; calls with wrong cookies or ids and random calls carry {@link #FOREIGN} bytes or
 * random words. One RPCI message in eight is a real command instead (info-set, capabilities,
 * SetGuestInfo, ... with guest-chosen names), whose reply is not checked but whose stores must stay
 * within their limits.
 */
final class ProtocolFuzzer {

  /** The byte random and mutated payloads are made of; never a tag. */
  static final byte FOREIGN = 0x01;

  private static final int FIRST_TAG = 0x41;
  private static final int TAGS = 186;

  /** The fuzzer's view of a channel it opened. */
  private static final class Tracked {
    final int id;
    final int protocol;
    final int cookieHigh;
    final int cookieLow;
    final byte tag;

    /** 0 idle, 1 sending, 2 receiving, 3 received. */
    int phase;

    int length;
    int offset;
    boolean hb;

    /** The message being sent when it is a real command rather than tag bytes. */
    byte[] command;

    Tracked(int id, int protocol, int cookieHigh, int cookieLow, byte tag) {
      this.id = id;
      this.protocol = protocol;
      this.cookieHigh = cookieHigh;
      this.cookieLow = cookieLow;
      this.tag = tag;
    }
  }

  final VirtualHost host;
  final Simulation sim;
  final int tableSize;
  final int historyLimit;
  final int callLogLimit;
  private final Backdoor backdoor;
  private final SplittableRandom random;
  private final Map<Integer, Tracked> tracked = new HashMap<>();
  private final boolean[] tagInUse = new boolean[TAGS];
  final List<String> violations = new ArrayList<>();
  long calls;
  long successes;
  long mutations;
  long messagesChecked;
  long maxChannels;

  ProtocolFuzzer(long seed) {
    this.random = new SplittableRandom(seed);
    this.sim = Simulation.create(seed);
    this.tableSize = random.nextBoolean() ? 8 : random.nextBoolean() ? 128 : 1 + random.nextInt(16);
    this.historyLimit = 32;
    this.callLogLimit = 256;
    VirtualHostBuilder b =
        VirtualHost.builder()
            .simulation(sim)
            .channelTableSize(tableSize)
            .historyLimit(historyLimit)
            .guestStoreLimit(historyLimit)
            .callLogLimit(callLogLimit)
            .highBandwidth(random.nextInt(4) != 0)
            .rejectUnsolicitedTcloReplies(random.nextBoolean());
    if (random.nextBoolean()) {
      b.idleTimeout(Duration.ofSeconds(1 + random.nextInt(60)));
    }
    this.host = b.build();
    host.rpciHandler("*", this::echo);
    this.backdoor = host.backdoor();
  }

  /** The host's RPCI handler for every command: checks the request's bytes, echoes them. */
  private String echo(RpciRequest request) {
    messagesChecked++;
    Tracked t = tracked.get(request.channelId());
    String text = request.text();
    if (t != null) {
      for (int i = 0; i < text.length(); i++) {
        if (text.charAt(i) != (char) (t.tag & 0xFF)) {
          violations.add(
              "channel "
                  + t.id
                  + " (tag "
                  + (t.tag & 0xFF)
                  + ") got a request with "
                  + "byte "
                  + (int) text.charAt(i)
                  + " at "
                  + i
                  + ": "
                  + abbreviate(text));
          break;
        }
      }
    }
    return "1 " + text;
  }

  /** Makes {@code n} calls (host events and time steps are not counted). */
  void run(long n) {
    long end = calls + n;
    while (calls < end) {
      int dice = random.nextInt(100);
      if (dice < 35) {
        trackedStep();
      } else if (dice < 45) {
        open();
      } else if (dice < 48) {
        closeTracked();
      } else if (dice < 83) {
        randomCommandPortCall();
      } else if (dice < 95) {
        randomHbCall();
      } else if (dice < 97) {
        hostEvent();
      } else {
        sim.advance(Duration.ofMillis(random.nextInt(5000)));
      }
      if ((calls & 1023) == 0) {
        checkTable();
      }
    }
    checkTable();
    checkBounds();
  }

  // ---- calls ----

  private Registers in(Registers r) {
    calls++;
    Registers out = backdoor.in(r);
    if ((out.ecxHigh() & STATUS_SUCCESS) != 0 && r.ecxLow() == CMD_MESSAGE) {
      successes++;
    }
    return out;
  }

  private Registers outs(Registers r, byte[] bytes) {
    calls++;
    return backdoor.outs(r, bytes);
  }

  private Registers ins(Registers r, byte[] into) {
    calls++;
    return backdoor.ins(r, into);
  }

  private Registers message(Tracked t, int sub, int ebx) {
    return in(
        Registers.of(
            MAGIC,
            ebx,
            Registers.words(sub, CMD_MESSAGE),
            Registers.words(t.id, COMMAND_PORT),
            t.cookieHigh,
            t.cookieLow));
  }

  private void open() {
    int protocol = random.nextBoolean() ? PROTOCOL_RPCI : PROTOCOL_TCLO;
    boolean cookie = random.nextInt(20) != 0;
    Registers out =
        in(
            Registers.of(
                MAGIC,
                protocol | (cookie ? FLAG_COOKIE : 0),
                Registers.words(MESSAGE_OPEN, CMD_MESSAGE),
                COMMAND_PORT,
                0,
                0));
    if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
      return;
    }
    int id = out.edxHigh();
    forget(id);
    if (id >= tableSize) {
      violations.add("OPEN gave id " + id + " on a table of " + tableSize);
      return;
    }
    if (!cookie) {
      // A cookieless channel has no isolation to check: random calls with cookies 0 reach it.
      return;
    }
    int tag = freeTag();
    tagInUse[tag] = true;
    tracked.put(id, new Tracked(id, protocol, out.esi(), out.edi(), (byte) (FIRST_TAG + tag)));
  }

  private int freeTag() {
    int start = random.nextInt(TAGS);
    for (int i = 0; i < TAGS; i++) {
      int tag = (start + i) % TAGS;
      if (!tagInUse[tag]) {
        return tag;
      }
    }
    throw new AssertionError("more tracked channels than tags");
  }

  private void forget(int id) {
    Tracked old = tracked.remove(id);
    if (old != null) {
      tagInUse[(old.tag & 0xFF) - FIRST_TAG] = false;
    }
  }

  private Tracked anyTracked() {
    if (tracked.isEmpty()) {
      return null;
    }
    int k = random.nextInt(tracked.size());
    for (Tracked t : tracked.values()) {
      if (k-- == 0) {
        return t;
      }
    }
    return null;
  }

  private void closeTracked() {
    Tracked t = anyTracked();
    if (t != null) {
      message(t, MESSAGE_CLOSE, 0);
      forget(t.id);
    }
  }

  /** The next step of a valid exchange on a tracked channel, or (1 in 10) a wrong one. */
  private void trackedStep() {
    Tracked t = anyTracked();
    if (t == null) {
      open();
      return;
    }
    if (random.nextInt(10) == 0) {
      mutatedStep(t);
      return;
    }
    switch (t.phase) {
      case 0:
        if (t.protocol == PROTOCOL_RPCI || random.nextBoolean()) {
          startSend(t);
        } else {
          startReceive(t);
        }
        break;
      case 1:
        continueSend(t);
        break;
      case 2:
        continueReceive(t);
        break;
      default:
        Registers out = message(t, MESSAGE_RECVSTATUS, STATUS_SUCCESS);
        t.phase = 0;
        if ((out.ecxHigh() & STATUS_SUCCESS) != 0 && t.protocol == PROTOCOL_RPCI) {
          startSend(t);
        }
        break;
    }
  }

  private int randomLength() {
    int dice = random.nextInt(100);
    if (dice < 10) {
      return 0;
    }
    if (dice < 85) {
      return 1 + random.nextInt(64);
    }
    if (dice < 98) {
      return 1 + random.nextInt(4096);
    }
    return 60_000 + random.nextInt(6000);
  }

  /** A real RPCI command with guest-chosen names, which the host stores. */
  private byte[] randomCommand(Tracked t) {
    String text;
    switch (random.nextInt(7)) {
      case 0:
        text =
            "info-set guestinfo.k"
                + random.nextInt()
                + " "
                + String.valueOf((char) (t.tag & 0xFF)).repeat(random.nextInt(64));
        break;
      case 1:
        text = "tools.capability.c" + random.nextInt() + " 1";
        break;
      case 2:
        text = "SetGuestInfo  " + random.nextInt() + " v";
        break;
      case 3:
        text = "vmx.capability.unified_loop a" + random.nextInt();
        break;
      case 4:
        text = "log line " + random.nextInt();
        break;
      case 5:
        text = "info-get guestinfo.k" + random.nextInt();
        break;
      default:
        text = "tools.os.statechange.status 1 " + random.nextInt(7);
        break;
    }
    return text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private void startSend(Tracked t) {
    t.command = t.protocol == PROTOCOL_RPCI && random.nextInt(8) == 0 ? randomCommand(t) : null;
    int length = t.command != null ? t.command.length : randomLength();
    Registers out = message(t, MESSAGE_SENDSIZE, length);
    if ((out.ecxHigh() & STATUS_SUCCESS) == 0 || length == 0) {
      // Refused, or the empty message, complete at once.
      t.phase = 0;
      return;
    }
    t.phase = 1;
    t.length = length;
    t.offset = 0;
    t.hb = (out.ecxHigh() & STATUS_HB) != 0 && random.nextInt(4) != 0;
  }

  private void continueSend(Tracked t) {
    if (t.hb) {
      byte[] bytes;
      if (t.command != null && t.command.length == t.length) {
        bytes = t.command;
      } else {
        bytes = new byte[t.length];
        java.util.Arrays.fill(bytes, t.tag);
      }
      Registers out = outs(hbOut(t, bytes.length), bytes);
      t.phase = 0;
      if ((out.ebxHigh() & STATUS_SUCCESS) != 0 && t.protocol == PROTOCOL_RPCI) {
        startReceive(t);
      }
      return;
    }
    int word = (t.tag & 0xFF) * 0x01010101;
    if (t.command != null && t.command.length == t.length) {
      word = 0;
      for (int i = 0; i < 4 && t.offset + i < t.length; i++) {
        word |= (t.command[t.offset + i] & 0xFF) << (8 * i);
      }
    }
    Registers out = message(t, MESSAGE_SENDPAYLOAD, word);
    if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
      t.phase = 0;
      return;
    }
    t.offset += 4;
    if (t.offset >= t.length) {
      t.phase = 0;
      if (t.protocol == PROTOCOL_RPCI) {
        startReceive(t);
      }
    }
  }

  private void startReceive(Tracked t) {
    Registers out = message(t, MESSAGE_RECVSIZE, 0);
    int status = out.ecxHigh();
    if ((status & STATUS_SUCCESS) == 0 || (status & STATUS_DORECV) == 0) {
      t.phase = 0;
      return;
    }
    t.length = out.ebx();
    t.offset = 0;
    t.hb = (status & STATUS_HB) != 0 && random.nextInt(4) != 0;
    t.phase = t.length == 0 ? 3 : 2;
  }

  private void continueReceive(Tracked t) {
    if (t.hb) {
      byte[] into = new byte[t.length];
      Registers out = ins(hbIn(t, into.length), into);
      if ((out.ebxHigh() & STATUS_SUCCESS) == 0) {
        t.phase = 0;
        return;
      }
      checkReply(t, into, 0, into.length);
      t.phase = 3;
      return;
    }
    Registers out = message(t, MESSAGE_RECVPAYLOAD, STATUS_SUCCESS);
    if ((out.ecxHigh() & STATUS_SUCCESS) == 0) {
      t.phase = 0;
      return;
    }
    int n = Math.min(4, t.length - t.offset);
    byte[] piece = new byte[n];
    for (int i = 0; i < n; i++) {
      piece[i] = (byte) (out.ebx() >>> (8 * i));
    }
    checkReply(t, piece, t.offset, n);
    t.offset += 4;
    if (t.offset >= t.length) {
      t.phase = 3;
    }
  }

  /** RPCI replies are "1 " and the tag; the bytes at {@code from} of the reply are checked. */
  private void checkReply(Tracked t, byte[] bytes, int from, int n) {
    if (t.protocol != PROTOCOL_RPCI || t.command != null) {
      return;
    }
    for (int i = 0; i < n; i++) {
      int at = from + i;
      byte expected = at == 0 ? (byte) '1' : at == 1 ? (byte) ' ' : t.tag;
      if (bytes[i] != expected) {
        violations.add(
            "channel "
                + t.id
                + " (tag "
                + (t.tag & 0xFF)
                + ") received byte "
                + bytes[i]
                + " at "
                + at);
        return;
      }
    }
  }

  private Registers hbOut(Tracked t, int length) {
    return Registers.of(
        MAGIC,
        Registers.words(STATUS_SUCCESS, HB_CMD_MESSAGE),
        length,
        Registers.words(t.id, HB_PORT),
        0,
        t.cookieLow,
        t.cookieHigh);
  }

  private Registers hbIn(Tracked t, int length) {
    return Registers.of(
        MAGIC,
        Registers.words(STATUS_SUCCESS, HB_CMD_MESSAGE),
        length,
        Registers.words(t.id, HB_PORT),
        t.cookieHigh,
        0,
        t.cookieLow);
  }

  /** A valid exchange's next step replaced by a wrong one. */
  private void mutatedStep(Tracked t) {
    mutations++;
    int foreignWord = 0x01010101;
    switch (random.nextInt(6)) {
      case 0:
        {
          // Another sub-command than the one due (the channel's own cookies, so its own bytes).
          int sub = random.nextInt(10);
          Registers out =
              message(
                  t,
                  sub == MESSAGE_OPEN ? MESSAGE_RECVSTATUS : sub,
                  sub == MESSAGE_SENDPAYLOAD ? (t.tag & 0xFF) * 0x01010101 : random.nextInt(2));
          if (sub == MESSAGE_CLOSE && (out.ecxHigh() & STATUS_SUCCESS) != 0) {
            forget(t.id);
            return;
          }
          t.phase = 0;
          break;
        }
      case 1:
        {
          // The right step with a wrong cookie: must be refused.
          int high = t.cookieHigh ^ (1 << random.nextInt(32));
          int low = random.nextBoolean() ? t.cookieLow : t.cookieLow ^ (1 << random.nextInt(32));
          int sub = 1 + random.nextInt(6);
          Registers out =
              in(
                  Registers.of(
                      MAGIC,
                      foreignWord,
                      Registers.words(sub, CMD_MESSAGE),
                      Registers.words(t.id, COMMAND_PORT),
                      high,
                      low));
          if ((out.ecxHigh() & STATUS_SUCCESS) != 0) {
            violations.add("wrong cookie accepted on channel " + t.id + ": " + out);
          }
          break;
        }
      case 2:
        {
          // HB transfer with a wrong cookie: must be refused and move nothing.
          byte[] bytes = new byte[1 + random.nextInt(64)];
          java.util.Arrays.fill(bytes, FOREIGN);
          Registers r = hbOut(t, bytes.length).withEbp(t.cookieHigh + 1);
          if ((outs(r, bytes).ebxHigh() & STATUS_SUCCESS) != 0) {
            violations.add("HB out with a wrong cookie accepted on channel " + t.id);
          }
          byte[] into = new byte[1 + random.nextInt(64)];
          Registers in = hbIn(t, into.length).withEbp(t.cookieLow ^ 0x80);
          if ((ins(in, into).ebxHigh() & STATUS_SUCCESS) != 0) {
            violations.add("HB in with a wrong cookie accepted on channel " + t.id);
          }
          for (byte b : into) {
            if (b != 0) {
              violations.add("HB in with a wrong cookie wrote into the guest's buffer");
              break;
            }
          }
          break;
        }
      case 3:
        {
          // A wrong size: HB transfer of another length than announced.
          int length =
              t.phase == 0
                  ? 1 + random.nextInt(100)
                  : Math.max(0, t.length + (random.nextBoolean() ? 1 : -1));
          byte[] bytes = new byte[length];
          java.util.Arrays.fill(bytes, t.tag);
          if (random.nextBoolean()) {
            outs(hbOut(t, length), bytes);
          } else {
            ins(hbIn(t, length), bytes);
          }
          t.phase = 0;
          break;
        }
      case 4:
        {
          // The channel's cookies with a neighbouring id.
          int other = (t.id + 1 + random.nextInt(tableSize)) % Math.max(1, tableSize + 2);
          if (other != t.id) {
            Registers out =
                in(
                    Registers.of(
                        MAGIC,
                        foreignWord,
                        Registers.words(1 + random.nextInt(5), CMD_MESSAGE),
                        Registers.words(other, COMMAND_PORT),
                        t.cookieHigh,
                        t.cookieLow));
            Tracked o = tracked.get(other);
            if ((out.ecxHigh() & STATUS_SUCCESS) != 0
                && (o == null || o.cookieHigh != t.cookieHigh || o.cookieLow != t.cookieLow)) {
              violations.add("channel " + t.id + "'s cookies accepted on channel " + other);
            }
          }
          break;
        }
      default:
        {
          // SENDSIZE with a random size, from 0 to far over the limit.
          int size = random.nextBoolean() ? random.nextInt() : 65_530 + random.nextInt(12);
          Registers out = message(t, MESSAGE_SENDSIZE, size);
          if ((out.ecxHigh() & STATUS_SUCCESS) != 0) {
            if ((size & 0xFFFFFFFFL) > 65_536) {
              violations.add("SENDSIZE of " + Integer.toUnsignedString(size) + " accepted");
            }
            t.phase = size == 0 ? 0 : 1;
            t.command = null;
            t.length = size;
            t.offset = 0;
            t.hb = (out.ecxHigh() & STATUS_HB) != 0 && random.nextBoolean();
          } else {
            t.phase = 0;
          }
          break;
        }
    }
  }

  private void randomCommandPortCall() {
    int eax = random.nextInt(10) == 0 ? random.nextInt() : MAGIC;
    int command = random.nextInt(5) == 0 ? random.nextInt(0x10000) : CMD_MESSAGE;
    int sub = random.nextInt(4) == 0 ? random.nextInt(0x10000) : random.nextInt(8);
    int id = random.nextBoolean() ? random.nextInt(tableSize + 2) : random.nextInt(0x10000);
    int ebx =
        sub == MESSAGE_OPEN && random.nextBoolean()
            ? (random.nextBoolean() ? PROTOCOL_RPCI : PROTOCOL_TCLO)
                | (random.nextBoolean() ? FLAG_COOKIE : 0)
            : random.nextInt();
    int esi = random.nextInt();
    int edi = random.nextInt();
    if (esi == 0 && edi == 0) {
      edi = 1;
    }
    Registers r =
        Registers.of(
                MAGIC,
                ebx,
                Registers.words(sub, command),
                Registers.words(id, random.nextInt(0x10000)),
                esi,
                edi)
            .withEax(eax)
            .withEbp(random.nextInt());
    Registers out = in(r);
    if (eax == MAGIC
        && command == CMD_MESSAGE
        && sub == MESSAGE_OPEN
        && (out.ecxHigh() & STATUS_SUCCESS) != 0) {
      forget(out.edxHigh());
    } else if (command == CMD_MESSAGE
        && eax == MAGIC
        && sub != MESSAGE_OPEN
        && (out.ecxHigh() & STATUS_SUCCESS) != 0
        && tracked.containsKey(id)) {
      violations.add("random cookies accepted on tracked channel " + id + ": " + r);
    }
  }

  private void randomHbCall() {
    int length = random.nextInt(20) == 0 ? random.nextInt(70_000) : random.nextInt(300);
    byte[] bytes = new byte[length];
    java.util.Arrays.fill(bytes, FOREIGN);
    Tracked t = anyTracked();
    int id = t != null && random.nextBoolean() ? t.id : random.nextInt(tableSize + 2);
    int hbCommand = random.nextInt(8) == 0 ? random.nextInt() : HB_CMD_MESSAGE;
    Registers r =
        Registers.of(
            random.nextInt(10) == 0 ? random.nextInt() : MAGIC,
            Registers.words(STATUS_SUCCESS, hbCommand & 0xFFFF),
            length,
            Registers.words(id, HB_PORT),
            random.nextInt(),
            random.nextInt() | 1,
            random.nextInt());
    Registers out = random.nextBoolean() ? outs(r, bytes) : ins(r, bytes);
    if ((out.ebxHigh() & STATUS_SUCCESS) != 0 && tracked.containsKey(id)) {
      violations.add("random HB call accepted on tracked channel " + id + ": " + r);
    }
  }

  private void hostEvent() {
    switch (random.nextInt(8)) {
      case 0:
        host.checkpoint();
        break;
      case 1:
        {
          Tracked t = anyTracked();
          if (t != null) {
            host.invalidateChannel(
                t.id,
                random.nextBoolean() ? Invalidation.HOST_CLOSED : Invalidation.COOKIES_INVALID);
          }
          break;
        }
      case 2:
        host.invalidateAllChannels(
            random.nextBoolean() ? Invalidation.HOST_CLOSED : Invalidation.COOKIES_INVALID);
        break;
      case 3:
        host.hostReset();
        break;
      case 4:
        if (host.records().pendingTcloCommands().size() < 16) {
          host.enqueueTclo("ping");
        }
        break;
      case 5:
        if (host.records().pendingTcloCommands().size() < 16) {
          host.requestPowerOperation(GuestOsState.values()[random.nextInt(5)]);
        }
        break;
      case 6:
        {
          int id = host.openCompetingTcloChannel();
          if (id >= 0) {
            forget(id);
          }
          break;
        }
      default:
        host.expireIdleChannels();
        break;
    }
  }

  // ---- invariants ----

  private void checkTable() {
    int n = 0;
    for (var c : host.records().channels()) {
      n++;
      if (c.id() < 0 || c.id() >= tableSize) {
        violations.add("channel id " + c.id() + " outside a table of " + tableSize);
      }
    }
    maxChannels = Math.max(maxChannels, n);
    if (n > tableSize) {
      violations.add(n + " channels in a table of " + tableSize);
    }
  }

  private void checkBounds() {
    check("call log", host.records().callLog().size(), callLogLimit);
    check("RPCI requests", host.records().rpciRequests().size(), historyLimit);
    check("TCLO exchanges", host.records().tcloExchanges().size(), historyLimit);
    check("TCLO commands sent", host.records().tcloCommandsSent().size(), historyLimit);
    check("guest log", host.records().guestLog().size(), historyLimit);
    check("unified loop apps", host.records().unifiedLoopApps().size(), historyLimit);
    check("capabilities", host.records().capabilities().size(), historyLimit);
    check("guest info", host.records().guestInfo().size(), historyLimit);
    check("SetGuestInfo values", host.records().setGuestInfoValues().size(), historyLimit);
    check("pending TCLO commands", host.records().pendingTcloCommands().size(), 64);
  }

  private void check(String what, int size, int limit) {
    if (size > limit) {
      violations.add(what + ": " + size + " entries, limit " + limit);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...(" + s.length() + ")";
  }
}
