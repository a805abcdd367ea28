package io.github.vmbackdoor.hostsim.reliability;

import static io.github.vmbackdoor.core.BackdoorProtocol.CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.COMMAND_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_CMD_MESSAGE;
import static io.github.vmbackdoor.core.BackdoorProtocol.HB_PORT;
import static io.github.vmbackdoor.core.BackdoorProtocol.MAGIC;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static io.github.vmbackdoor.core.BackdoorProtocol.STATUS_SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.WeakCookies;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Suite 4: a guest that guesses channel ids without knowing the cookies gets no SUCCESS on any
 * call. Victim channels (RPCI and TCLO, with cookies) sit in every operation state: idle, a send
 * half done, a reply waiting, a reply half fetched, a TCLO command waiting. The attacker has a
 * channel of its own and tries every sub-command and both HB directions on guessed ids with guessed
 * cookies: random, zero, its own, one half right. Afterwards every victim's exchange still
 * completes intact.
 *
 * <p>Size: {@code -Dvmbackdoor.cookieGuesses=N} (CI {@value #CI_GUESSES}, long mode {@value
 * #LONG_GUESSES}).
 */
class CookieIsolationTest {

  static final long CI_GUESSES = 1_000_000;
  static final long LONG_GUESSES = 100_000_000;
  private static final int TABLE = 32;

  @Test
  void guessedIdsWithoutTheCookiesNeverSucceed() {
    long attempts = Soak.count("cookieGuesses", CI_GUESSES, LONG_GUESSES);
    long started = System.nanoTime();
    VirtualHost host =
        VirtualHost.builder().channelTableSize(TABLE).callLogLimit(0).historyLimit(16).build();
    Attack attack = Attack.on(host);
    long successes = attack.run(attempts);
    double seconds = (System.nanoTime() - started) / 1e9;
    Soak.report(
        "cookie isolation",
        "%d guesses (ids 0..%d and random, all sub-commands and "
            + "HB in/out, cookies random, predicted and half right) in %.1f s: %d successes",
        attempts,
        TABLE - 1,
        seconds,
        successes);
    assertThat(successes).as("successes, e.g. %s", attack.examples).isZero();
    assertThat(host.records().channels()).hasSize(attack.victims.size() + 1);
    for (Victim v : attack.victims) {
      v.finish();
    }
    attack.own.close();
    assertThat(host.records().channels()).isEmpty();
  }

  /** The suite's own check: a host whose cookies follow from the slot must be caught. */
  @Test
  void aHostWithSlotDerivedCookiesIsCaught() {
    VirtualHost host =
        WeakCookies.slotDerived(
                VirtualHost.builder().channelTableSize(TABLE).callLogLimit(0).historyLimit(16))
            .build();
    assertThat(Attack.on(host).run(20_000)).isPositive();
  }

  /** One attacker with a channel of its own, victims in every operation state. */
  static final class Attack {
    final VirtualHost host;
    final Backdoor backdoor;
    final List<Victim> victims = new ArrayList<>();
    final MessageChannel own;
    final List<int[]> known = new ArrayList<>();
    final List<String> examples = new ArrayList<>();
    final SplittableRandom random = new SplittableRandom(Soak.seed() ^ 0xC00C1EL);

    private Attack(VirtualHost host) {
      this.host = host;
      this.backdoor = host.backdoor();
      host.putGuestInfo("guestinfo.secret", "victim's value");
      for (int i = 0; i < 8; i++) {
        victims.add(Victim.start(backdoor, i % 4));
      }
      // One TCLO channel: the host talks to the newest only.
      victims.add(Victim.start(backdoor, 4));
      host.enqueueTclo("ping");
      own = MessageChannel.open(backdoor, PROTOCOL_RPCI);
      for (ChannelInfo c : host.records().channels()) {
        if (c.id() != own.id()) {
          known.add(new int[] {c.id(), c.cookieHigh(), c.cookieLow()});
        }
      }
    }

    static Attack on(VirtualHost host) {
      return new Attack(host);
    }

    /**
     * Cookies for channel {@code id} predicted from what the attacker sees: the id, its own id and
     * cookies (and their neighbours).
     */
    int[] predicted(int id) {
      int d = id - own.id();
      return switch (random.nextInt(6)) {
        case 0 -> new int[] {id + 1, id + 1};
        case 1 -> new int[] {id, id};
        case 2 -> new int[] {0, id + 1};
        case 3 -> new int[] {own.cookieHigh() + d, own.cookieLow() + d};
        case 4 -> new int[] {own.cookieHigh() ^ d, own.cookieLow() ^ d};
        default -> new int[] {own.cookieHigh(), own.cookieLow() + d};
      };
    }

    /** Makes {@code attempts} guesses; returns how many succeeded. */
    long run(long attempts) {
      long successes = 0;
      for (long n = 0; n < attempts; n++) {
        int id;
        do {
          id = random.nextInt(8) == 0 ? random.nextInt(0x10000) : random.nextInt(TABLE);
        } while (id == own.id());
        int high;
        int low;
        int[] victim = known.get(random.nextInt(known.size()));
        int kind = random.nextInt(6);
        boolean halfKnown = kind == 2 || kind == 3;
        switch (kind) {
          case 0:
            high = 0;
            low = 0;
            break;
          case 1:
            high = own.cookieHigh();
            low = own.cookieLow();
            break;
          case 2:
            // One half right: the other half guessed.
            id = victim[0];
            high = victim[1];
            low = random.nextInt();
            break;
          case 3:
            id = victim[0];
            high = random.nextInt();
            low = victim[2];
            break;
          case 4:
            id = victim[0];
            int[] p = predicted(id);
            high = p[0];
            low = p[1];
            break;
          default:
            high = random.nextInt();
            low = random.nextInt();
            break;
        }
        // a half taken from the table must not complete to the whole by chance
        if (halfKnown && isKnown(known, id, high, low)) {
          continue;
        }
        if (guess(id, high, low)) {
          successes++;
          if (examples.size() < 5) {
            examples.add("id " + id + " cookies " + Registers.hex(high) + ":" + Registers.hex(low));
          }
        }
      }
      return successes;
    }

    private boolean guess(int id, int high, int low) {
      int call = random.nextInt(8);
      if (call == 6) {
        byte[] bytes = new byte[1 + random.nextInt(32)];
        return (backdoor
                    .outs(
                        Registers.of(
                            MAGIC,
                            Registers.words(STATUS_SUCCESS, HB_CMD_MESSAGE),
                            bytes.length,
                            Registers.words(id, HB_PORT),
                            0,
                            low,
                            high),
                        bytes)
                    .ebxHigh()
                & STATUS_SUCCESS)
            != 0;
      } else if (call == 7) {
        byte[] into = new byte[1 + random.nextInt(32)];
        return (backdoor
                    .ins(
                        Registers.of(
                            MAGIC,
                            Registers.words(STATUS_SUCCESS, HB_CMD_MESSAGE),
                            into.length,
                            Registers.words(id, HB_PORT),
                            high,
                            0,
                            low),
                        into)
                    .ebxHigh()
                & STATUS_SUCCESS)
            != 0;
      }
      int sub = 1 + call % 6;
      return (backdoor
                  .in(
                      Registers.of(
                          MAGIC,
                          random.nextInt(),
                          Registers.words(sub, CMD_MESSAGE),
                          Registers.words(id, COMMAND_PORT),
                          high,
                          low))
                  .ecxHigh()
              & STATUS_SUCCESS)
          != 0;
    }
  }

  private static boolean isKnown(List<int[]> known, int id, int high, int low) {
    for (int[] k : known) {
      if (k[0] == id && k[1] == high && k[2] == low) {
        return true;
      }
    }
    return false;
  }

  /** A victim channel left in one operation state, and the rest of its exchange. */
  static final class Victim {
    final Backdoor backdoor;
    final MessageChannel channel;
    final int state;
    final Guest raw;

    private Victim(Backdoor backdoor, MessageChannel channel, int state) {
      this.backdoor = backdoor;
      this.channel = channel;
      this.state = state;
      this.raw = new Guest(backdoor, channel.id(), channel.cookieHigh(), channel.cookieLow());
    }

    private static final byte[] REQUEST =
        "info-get guestinfo.secret".getBytes(StandardCharsets.US_ASCII);

    static Victim start(Backdoor backdoor, int state) {
      int protocol = state == 4 ? PROTOCOL_TCLO : PROTOCOL_RPCI;
      Victim v = new Victim(backdoor, MessageChannel.open(backdoor, protocol), state);
      switch (state) {
        case 1:
          // SENDSIZE accepted, two pieces sent, the rest due.
          v.raw.check(v.raw.call(1, REQUEST.length));
          v.raw.check(v.raw.call(2, word(REQUEST, 0)));
          v.raw.check(v.raw.call(2, word(REQUEST, 4)));
          break;
        case 2:
          v.channel.send(REQUEST);
          break;
        case 3:
          v.channel.send(REQUEST);
          v.raw.check(v.raw.call(3, 0));
          v.raw.check(v.raw.call(4, 1));
          break;
        case 4:
          v.channel.send(new byte[0]);
          break;
        default:
          break;
      }
      return v;
    }

    static int word(byte[] bytes, int offset) {
      int w = 0;
      for (int i = 0; i < 4 && offset + i < bytes.length; i++) {
        w |= (bytes[offset + i] & 0xFF) << (8 * i);
      }
      return w;
    }

    /** Completes the victim's exchange; its bytes must be intact. */
    void finish() {
      switch (state) {
        case 1:
          for (int offset = 8; offset < REQUEST.length; offset += 4) {
            raw.check(raw.call(2, word(REQUEST, offset)));
          }
          assertThat(new String(channel.receive(), StandardCharsets.US_ASCII))
              .isEqualTo("1 victim's value");
          break;
        case 2:
        case 3:
          // A receive in progress starts over from its first byte.
          assertThat(new String(channel.receive(), StandardCharsets.US_ASCII))
              .isEqualTo("1 victim's value");
          break;
        case 4:
          assertThat(new String(channel.receive(), StandardCharsets.US_ASCII)).isEqualTo("reset");
          break;
        default:
          channel.send(REQUEST);
          assertThat(new String(channel.receive(), StandardCharsets.US_ASCII))
              .isEqualTo("1 victim's value");
          break;
      }
      channel.close();
    }
  }

  /** Raw calls on one channel with its own cookies. */
  record Guest(Backdoor backdoor, int id, int cookieHigh, int cookieLow) {
    Registers call(int sub, int ebx) {
      return backdoor.in(
          Registers.of(
              MAGIC,
              ebx,
              Registers.words(sub, CMD_MESSAGE),
              Registers.words(id, COMMAND_PORT),
              cookieHigh,
              cookieLow));
    }

    void check(Registers out) {
      assertThat(out.ecxHigh() & STATUS_SUCCESS).as("victim's own call %s", out).isNotZero();
    }
  }
}
