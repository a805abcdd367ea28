package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.settings.HostIdentity;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The host's channel table: allocate a slot with its cookies, look a channel up by id and cookies,
 * release it, invalidate it, and close idle ones. The host's message server extends it, so that a
 * host holds one object for both; it also holds what the host's parts read of the host ({@link
 * HostSetup}: policy, uptime) and the VM's identity as the command port answers it ({@link
 * CommandPortAnswers.Vm}). Slot 0 (the first channel a guest opens, its TCLO channel) is a field;
 * the others are in an array made when a second channel opens and dropped when they are all free
 * again, so a VM whose guest only polls holds no array. Guarded by the host's lock.
 */
abstract class ChannelTable implements CommandPortAnswers.Vm {

  private static final HostChannel[] NO_SLOTS = new HostChannel[0];

  /**
   * What the host reads and does not own: its policy (the table's size, the idle timeout), time.
   */
  final HostSetup setup;

  /** Slot 0. */
  private HostChannel first;

  /** Slots 1 and up, as far as used so far (grown on demand up to {@link #size()}); maybe none. */
  private HostChannel[] more = NO_SLOTS;

  private final long cookieSeed;

  /** How many cookie pairs the table has handed out. */
  private long cookieCount;

  /**
   * The VM's identity as given (usually the shared defaults) rather than a copy of its values; the
   * guest's changes (device states, time synchronisation) make a copy.
   */
  private HostIdentity identity;

  /** The BIOS UUID, as its two halves. */
  private final long uuidHigh;

  private final long uuidLow;

  /**
   * @param setup the host's policy (the table's size and idle timeout), uptime and cookie source
   * @param cookieSeed the host's seed, which the cookies come from
   * @param identity the VM's identity, and {@code uuid} its BIOS UUID
   */
  ChannelTable(HostSetup setup, long cookieSeed, HostIdentity identity, UUID uuid) {
    this.setup = setup;
    this.cookieSeed = cookieSeed;
    this.identity = identity;
    this.uuidHigh = uuid.getMostSignificantBits();
    this.uuidLow = uuid.getLeastSignificantBits();
  }

  /** Where the guest's reports of power operations go, to be matched to those the host asked. */
  abstract PowerOperations.Reports powerReports();

  @Override
  public HostIdentity identity() {
    return identity;
  }

  @Override
  public void identity(HostIdentity changed) {
    identity = changed;
  }

  /** The BIOS UUID GETUUID returns. */
  UUID uuid() {
    return new UUID(uuidHigh, uuidLow);
  }

  @Override
  public long uuidHigh() {
    return uuidHigh;
  }

  @Override
  public long uuidLow() {
    return uuidLow;
  }

  @Override
  public Clock clock() {
    return setup.clock;
  }

  /** The host's seed, which the cookies (unless secure) and the fault draws come from. */
  long seed() {
    return cookieSeed;
  }

  /** The host's policy. */
  HostPolicy policy() {
    return setup.policy;
  }

  /** The host's uptime, which the table stamps channels with. */
  HostUptime time() {
    return setup.time;
  }

  int size() {
    return policy().channelTableSize();
  }

  /**
   * Takes a slot for a new channel: the lowest free id, else the one host-closed longest ago.
   * Returns null when every slot holds an open channel. The endpoint makes the channel.
   */
  HostChannel allocate(Endpoint endpoint, boolean withCookie) {
    int slot = -1;
    int used = used();
    for (int i = 0; i < used; i++) {
      if (at(i) == null) {
        slot = i;
        break;
      }
    }
    if (slot < 0 && used < size()) {
      slot = used;
    }
    if (slot < 0) {
      long oldest = Long.MAX_VALUE;
      for (int i = 0; i < used; i++) {
        HostChannel ch = at(i);
        if (!ch.isOpen() && ch.closedNanos < oldest) {
          oldest = ch.closedNanos;
          slot = i;
        }
      }
      if (slot < 0) {
        return null;
      }
      put(slot, null);
    }
    int high = 0;
    int low = 0;
    if (withCookie) {
      long both;
      do {
        both = setup.cookies.cookies(cookieSeed, ++cookieCount, slot);
      } while (both == 0);
      high = (int) (both >>> 32);
      low = (int) both;
    }
    HostChannel ch = endpoint.open(slot, high, low, time().nanos());
    put(slot, ch);
    return ch;
  }

  /** How many slots the table has used so far: slot 0 and the array's. */
  private int used() {
    return 1 + more.length;
  }

  /** Sets slot {@code id}, growing the array to hold it, or dropping it once all of it is free. */
  private void put(int id, HostChannel ch) {
    if (id == 0) {
      first = ch;
      return;
    }
    if (id > more.length) {
      more = Arrays.copyOf(more, Math.min(size() - 1, Math.max(Math.max(2, id), more.length * 2)));
    }
    more[id - 1] = ch;
    if (ch == null) {
      for (HostChannel other : more) {
        if (other != null) {
          return;
        }
      }
      more = NO_SLOTS;
    }
  }

  /**
   * The channel addressed by id and cookies, or null when there is none or a cookie is wrong (then
   * {@link #at} finds the slot taken: the caller counts that against the calling connection).
   */
  HostChannel lookup(int id, int cookieHigh, int cookieLow) {
    HostChannel ch = at(id);
    return ch != null && ch.cookieHigh == cookieHigh && ch.cookieLow == cookieLow ? ch : null;
  }

  /** Why {@link #lookup} found nothing at {@code id}: the call-log words. */
  String missReason(int id) {
    return at(id) != null ? "wrong cookie" : "no such channel";
  }

  /** The channel in slot {@code id}, or null. */
  HostChannel at(int id) {
    return id == 0 ? first : id > 0 && id <= more.length ? more[id - 1] : null;
  }

  /** Whether {@code ch} still holds its slot. */
  boolean holds(HostChannel ch) {
    return at(ch.id) == ch;
  }

  /** Frees a slot (guest CLOSE, or the host forgetting the channel); its session ends. */
  void release(HostChannel ch) {
    ch.ended();
    if (at(ch.id) == ch) {
      put(ch.id, null);
    }
  }

  /** How many open channels {@code owner} holds. */
  int openOwnedBy(ChannelOwner owner) {
    int n = 0;
    for (int i = 0; i < used(); i++) {
      HostChannel ch = at(i);
      if (ch != null && ch.owner == owner && ch.isOpen()) {
        n++;
      }
    }
    return n;
  }

  /** Frees every slot {@code owner} holds; returns how many. */
  int releaseOwnedBy(ChannelOwner owner) {
    int n = 0;
    for (int i = 0; i < used(); i++) {
      HostChannel ch = at(i);
      if (ch != null && ch.owner == owner) {
        release(ch);
        n++;
      }
    }
    return n;
  }

  /** Makes a channel unusable in the given way. */
  void invalidate(HostChannel ch, Invalidation kind, ChannelInfo.State closedState) {
    if (kind == Invalidation.COOKIES_INVALID) {
      release(ch);
    } else if (ch.isOpen()) {
      ch.ended();
      ch.abandonOperation();
      ch.state(closedState);
      ch.closedNanos = time().nanos();
    }
  }

  /** Makes every channel unusable in the given way; returns how many there were. */
  int invalidateAll(Invalidation kind) {
    int n = 0;
    for (int i = 0; i < used(); i++) {
      HostChannel ch = at(i);
      if (ch != null) {
        invalidate(ch, kind, ChannelInfo.State.HOST_CLOSED);
        n++;
      }
    }
    return n;
  }

  /** Closes {@code ch} (state TIMED_OUT) when it has been idle for longer than the timeout. */
  void checkIdle(HostChannel ch) {
    Optional<Duration> idleTimeout = policy().idleTimeout();
    if (idleTimeout.isPresent()
        && ch.isOpen()
        && time().nanos() - ch.lastActivityNanos > idleTimeout.get().toNanos()) {
      invalidate(ch, Invalidation.HOST_CLOSED, ChannelInfo.State.TIMED_OUT);
    }
  }

  /** Closes every idle channel; returns how many. */
  int expireIdle() {
    if (policy().idleTimeout().isEmpty()) {
      return 0;
    }
    int n = 0;
    for (int i = 0; i < used(); i++) {
      HostChannel ch = at(i);
      if (ch != null && ch.isOpen()) {
        checkIdle(ch);
        if (!ch.isOpen()) {
          n++;
        }
      }
    }
    return n;
  }

  /** The occupied slots, by id. */
  List<ChannelInfo> snapshot() {
    List<ChannelInfo> l = new ArrayList<>();
    for (int i = 0; i < used(); i++) {
      HostChannel ch = at(i);
      if (ch != null) {
        l.add(
            new ChannelInfo(
                ch.id,
                ch.protocol(),
                ch.hasCookies(),
                ch.cookieHigh,
                ch.cookieLow,
                ch.state(),
                ch.operation(),
                time().at(ch.lastActivityNanos)));
      }
    }
    return ImmutableList.copyOf(l);
  }
}
