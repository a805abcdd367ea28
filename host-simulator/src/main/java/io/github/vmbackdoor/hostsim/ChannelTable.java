package io.github.vmbackdoor.hostsim;

import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.fault.Invalidation;
import io.github.vmbackdoor.hostsim.record.ChannelInfo;
import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The host's channel table: allocate a slot with its cookies, look a channel up by id and cookies,
 * release it, invalidate it, and close idle ones. Guarded by the host's lock.
 */
final class ChannelTable {

  /** Whether the last {@link #lookup} found the slot taken but a cookie wrong. */
  boolean cookieMissed;

  private static final HostChannel[] NO_SLOTS = new HostChannel[0];

  /** The host's policy: the table's size and the idle timeout. */
  private final HostPolicy policy;

  /** The slots in use so far: grown on demand up to {@link #size()}, so an idle host holds few. */
  private HostChannel[] slots = NO_SLOTS;

  private final CookieSource cookies;
  private final long cookieSeed;

  /** How many cookie pairs the table has handed out. */
  private long cookieCount;

  private final HostUptime time;

  /**
   * @param policy the table's size ({@link HostPolicy#channelTableSize()}) and idle timeout
   * @param cookies where the channels' cookies come from, with {@code cookieSeed}
   */
  ChannelTable(HostPolicy policy, CookieSource cookies, long cookieSeed, HostUptime time) {
    this.policy = policy;
    this.cookies = cookies;
    this.cookieSeed = cookieSeed;
    this.time = time;
  }

  /** The host's seed, which the cookies (unless secure) and the fault draws come from. */
  long seed() {
    return cookieSeed;
  }

  /** The host's policy. */
  HostPolicy policy() {
    return policy;
  }

  /** The host's uptime, which the table stamps channels with. */
  HostUptime time() {
    return time;
  }

  int size() {
    return policy.channelTableSize();
  }

  /**
   * Takes a slot for a new channel: the lowest free id, else the one host-closed longest ago.
   * Returns null when every slot holds an open channel. The endpoint makes the channel.
   */
  HostChannel allocate(Endpoint endpoint, boolean withCookie) {
    int slot = -1;
    for (int i = 0; i < slots.length; i++) {
      if (slots[i] == null) {
        slot = i;
        break;
      }
    }
    int size = size();
    if (slot < 0 && slots.length < size) {
      slot = slots.length;
      slots = Arrays.copyOf(slots, Math.min(size, Math.max(2, slots.length * 2)));
    }
    if (slot < 0) {
      long oldest = Long.MAX_VALUE;
      for (int i = 0; i < slots.length; i++) {
        if (!slots[i].isOpen() && slots[i].closedNanos < oldest) {
          oldest = slots[i].closedNanos;
          slot = i;
        }
      }
      if (slot < 0) {
        return null;
      }
      slots[slot] = null;
    }
    int high = 0;
    int low = 0;
    if (withCookie) {
      long both;
      do {
        both = cookies.cookies(cookieSeed, ++cookieCount, slot);
      } while (both == 0);
      high = (int) (both >>> 32);
      low = (int) both;
    }
    HostChannel ch = endpoint.open(slot, high, low, time.nanos());
    slots[slot] = ch;
    return ch;
  }

  /**
   * The channel addressed by id and cookies, or null when there is none or a cookie is wrong. A
   * wrong cookie on an occupied slot sets {@link #cookieMissed}, for the caller to count against
   * the calling connection.
   */
  HostChannel lookup(int id, int cookieHigh, int cookieLow) {
    cookieMissed = false;
    HostChannel ch = at(id);
    if (ch == null) {
      return null;
    }
    if (ch.cookieHigh != cookieHigh || ch.cookieLow != cookieLow) {
      cookieMissed = true;
      return null;
    }
    return ch;
  }

  /** Why {@link #lookup} found nothing at {@code id}: the call-log words. */
  String missReason(int id) {
    return at(id) != null ? "wrong cookie" : "no such channel";
  }

  /** The channel in slot {@code id}, or null. */
  HostChannel at(int id) {
    return id >= 0 && id < slots.length ? slots[id] : null;
  }

  /** Whether {@code ch} still holds its slot. */
  boolean holds(HostChannel ch) {
    return slots[ch.id] == ch;
  }

  /** Frees a slot (guest CLOSE, or the host forgetting the channel); its session ends. */
  void release(HostChannel ch) {
    ch.ended();
    if (slots[ch.id] == ch) {
      slots[ch.id] = null;
    }
  }

  /** How many open channels {@code owner} holds. */
  int openOwnedBy(ChannelOwner owner) {
    int n = 0;
    for (HostChannel ch : slots) {
      if (ch != null && ch.owner == owner && ch.isOpen()) {
        n++;
      }
    }
    return n;
  }

  /** Frees every slot {@code owner} holds; returns how many. */
  int releaseOwnedBy(ChannelOwner owner) {
    int n = 0;
    for (HostChannel ch : slots) {
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
      ch.state = closedState;
      ch.closedNanos = time.nanos();
    }
  }

  /** Makes every channel unusable in the given way; returns how many there were. */
  int invalidateAll(Invalidation kind) {
    int n = 0;
    for (HostChannel ch : slots) {
      if (ch != null) {
        invalidate(ch, kind, ChannelInfo.State.HOST_CLOSED);
        n++;
      }
    }
    return n;
  }

  /** Closes {@code ch} (state TIMED_OUT) when it has been idle for longer than the timeout. */
  void checkIdle(HostChannel ch) {
    Optional<Duration> idleTimeout = policy.idleTimeout();
    if (idleTimeout.isPresent()
        && ch.isOpen()
        && time.nanos() - ch.lastActivityNanos > idleTimeout.get().toNanos()) {
      invalidate(ch, Invalidation.HOST_CLOSED, ChannelInfo.State.TIMED_OUT);
    }
  }

  /** Closes every idle channel; returns how many. */
  int expireIdle() {
    if (policy.idleTimeout().isEmpty()) {
      return 0;
    }
    int n = 0;
    for (HostChannel ch : slots) {
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
    for (HostChannel ch : slots) {
      if (ch != null) {
        l.add(
            new ChannelInfo(
                ch.id,
                ch.protocol,
                ch.hasCookies(),
                ch.cookieHigh,
                ch.cookieLow,
                ch.state,
                ch.operation,
                time.at(ch.lastActivityNanos)));
      }
    }
    return ImmutableList.copyOf(l);
  }
}
