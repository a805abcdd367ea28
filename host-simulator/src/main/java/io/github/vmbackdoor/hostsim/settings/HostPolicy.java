package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import io.github.vmbackdoor.core.BackdoorProtocol;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How a {@link io.github.vmbackdoor.hostsim.VirtualHost} behaves, apart from who it is ({@link
 * HostIdentity}): its channel table, what it offers and refuses, and how much it remembers. An
 * immutable value; {@link #DEFAULTS} is a current host, and each {@code with...} method gives a
 * copy with one setting changed. Every value is checked here, once. {@link HostSetting} names each
 * setting for the text forms.
 *
 * @param channelTableSize the channel table size, 1 to 65536: 128 like current hosts, 8 like old
 *     ones
 * @param highBandwidth whether the host offers the high-bandwidth port
 * @param cookies whether an OPEN with the cookie flag is accepted
 * @param guestMessageLimit the longest message, in bytes, the host accepts from the guest, 0 to
 *     {@link #MAX_GUEST_MESSAGE_LIMIT}: a longer SENDSIZE is refused
 * @param rejectUnsolicitedTcloReplies whether a TCLO reply with no command outstanding is refused
 * @param refusalRegisters what eax holds when a command-port message call is refused: 0 (a real
 *     host, the default) or the magic the guest loaded
 * @param resetAfterUnsolicitedReply whether a TCLO channel whose first message was a non-empty
 *     message nobody asked for (vmt's reset reply after a reopen) has its next empty ping refused,
 *     with "reset" queued for it: once per channel
 * @param idleTimeout channels idle for longer are closed; empty for never
 * @param tcloTakeover which TCLO channel of an application loses when a newer one claims it: the
 *     older one (closed or forgotten) or the newer one (refused)
 * @param callLogLimit how many calls the call log keeps; 0 turns it off
 * @param historyLimit how many RPCI requests, TCLO exchanges and log lines are kept
 * @param historyBytesLimit how many bytes each history (the call log, RPCI requests, TCLO exchanges
 *     and commands sent, log lines) keeps at most, oldest dropped first
 * @param guestStoreLimit how many distinct names a guest may store in each guest store
 * @param guestStoreBytesLimit how many bytes of names and values a guest may store in each guest
 *     store
 * @param tcloQueueLimit how many TCLO commands may wait to be delivered, all applications together
 * @param tcloQueueBytesLimit how many bytes of TCLO commands may wait to be delivered, all
 *     applications together
 */
public record HostPolicy(
    int channelTableSize,
    boolean highBandwidth,
    boolean cookies,
    int guestMessageLimit,
    boolean rejectUnsolicitedTcloReplies,
    RefusalRegisters refusalRegisters,
    boolean resetAfterUnsolicitedReply,
    Optional<Duration> idleTimeout,
    TcloTakeover tcloTakeover,
    int callLogLimit,
    int historyLimit,
    long historyBytesLimit,
    int guestStoreLimit,
    long guestStoreBytesLimit,
    int tcloQueueLimit,
    long tcloQueueBytesLimit) {

  /** The largest channel table: channel ids are 16 bits. */
  public static final int MAX_CHANNEL_TABLE_SIZE = 0x10000;

  /**
   * The highest {@link #guestMessageLimit()} a host may be given: 1 MiB, sixteen times a VMware
   * host's. The host holds the whole announced length of a message being sent from its SENDSIZE on,
   * so the limit bounds what each channel may make it hold.
   */
  public static final int MAX_GUEST_MESSAGE_LIMIT = 1 << 20;

  /**
   * A current host: 128 channels, high bandwidth and cookies offered, guest messages of at most
   * 65,536 bytes, refused message calls answering eax = 0, no idle timeout; 10,000 entries and 4
   * MiB per history, 1,024 names and 1 MiB per guest store, 1,024 commands and 1 MiB in the TCLO
   * queue.
   */
  public static final HostPolicy DEFAULTS =
      new HostPolicy(
          BackdoorProtocol.MAX_CHANNELS,
          true,
          true,
          BackdoorProtocol.MAX_GUEST_MESSAGE,
          false,
          RefusalRegisters.DEFAULT,
          false,
          Optional.empty(),
          TcloTakeover.DEFAULT,
          10_000,
          10_000,
          4L << 20,
          1024,
          1L << 20,
          1024,
          1L << 20);

  /** Checks every setting. */
  public HostPolicy {
    Preconditions.checkArgument(
        channelTableSize >= 1 && channelTableSize <= MAX_CHANNEL_TABLE_SIZE,
        "the channel table size is 1 to %s, not %s",
        MAX_CHANNEL_TABLE_SIZE,
        channelTableSize);
    Preconditions.checkArgument(
        guestMessageLimit >= 0 && guestMessageLimit <= MAX_GUEST_MESSAGE_LIMIT,
        "the guest message limit is 0 to %s bytes, not %s",
        MAX_GUEST_MESSAGE_LIMIT,
        guestMessageLimit);
    Preconditions.checkNotNull(refusalRegisters, "refusalRegisters");
    Preconditions.checkNotNull(idleTimeout, "idleTimeout");
    idleTimeout.ifPresent(
        t ->
            Preconditions.checkArgument(
                t.compareTo(Duration.ZERO) > 0
                    && t.compareTo(Duration.ofNanos(Long.MAX_VALUE)) <= 0,
                "the idle timeout must be positive and at most about 292 years: %s",
                t));
    Preconditions.checkNotNull(tcloTakeover, "tcloTakeover");
    Preconditions.checkArgument(callLogLimit >= 0, "negative call log limit %s", callLogLimit);
    Preconditions.checkArgument(historyLimit >= 0, "negative history limit %s", historyLimit);
    Preconditions.checkArgument(
        historyBytesLimit >= 0, "negative history byte limit %s", historyBytesLimit);
    Preconditions.checkArgument(
        guestStoreLimit >= 0, "negative guest store limit %s", guestStoreLimit);
    Preconditions.checkArgument(
        guestStoreBytesLimit >= 0, "negative guest store byte limit %s", guestStoreBytesLimit);
    Preconditions.checkArgument(
        tcloQueueLimit >= 0, "negative TCLO queue limit %s", tcloQueueLimit);
    Preconditions.checkArgument(
        tcloQueueBytesLimit >= 0, "negative TCLO queue byte limit %s", tcloQueueBytesLimit);
  }

  /** A copy with another channel table size. */
  public HostPolicy withChannelTableSize(int value) {
    return with(p -> p.channelTableSize = value);
  }

  /** A copy that offers the high-bandwidth port or not. */
  public HostPolicy withHighBandwidth(boolean value) {
    return with(p -> p.highBandwidth = value);
  }

  /** A copy that accepts cookies or not. */
  public HostPolicy withCookies(boolean value) {
    return with(p -> p.cookies = value);
  }

  /** A copy with another guest message limit. */
  public HostPolicy withGuestMessageLimit(int value) {
    return with(p -> p.guestMessageLimit = value);
  }

  /** A copy that rejects unsolicited TCLO replies or not. */
  public HostPolicy withRejectUnsolicitedTcloReplies(boolean value) {
    return with(p -> p.rejectUnsolicitedTcloReplies = value);
  }

  /** A copy whose refused message calls answer eax as {@code value} says. */
  public HostPolicy withRefusalRegisters(RefusalRegisters value) {
    return with(p -> p.refusalRegisters = value);
  }

  /**
   * A copy that refuses the first ping after an unsolicited reset reply, and queues "reset", or
   * not.
   */
  public HostPolicy withResetAfterUnsolicitedReply(boolean value) {
    return with(p -> p.resetAfterUnsolicitedReply = value);
  }

  /** A copy with another idle timeout (empty for never). */
  public HostPolicy withIdleTimeout(Optional<Duration> value) {
    return with(p -> p.idleTimeout = value);
  }

  /** A copy with another TCLO takeover. */
  public HostPolicy withTcloTakeover(TcloTakeover value) {
    return with(p -> p.tcloTakeover = value);
  }

  /** A copy with another call log limit. */
  public HostPolicy withCallLogLimit(int value) {
    return with(p -> p.callLogLimit = value);
  }

  /** A copy with another history limit. */
  public HostPolicy withHistoryLimit(int value) {
    return with(p -> p.historyLimit = value);
  }

  /** A copy with another history byte limit. */
  public HostPolicy withHistoryBytesLimit(long value) {
    return with(p -> p.historyBytesLimit = value);
  }

  /** A copy with another guest store limit. */
  public HostPolicy withGuestStoreLimit(int value) {
    return with(p -> p.guestStoreLimit = value);
  }

  /** A copy with another guest store byte limit. */
  public HostPolicy withGuestStoreBytesLimit(long value) {
    return with(p -> p.guestStoreBytesLimit = value);
  }

  /** A copy with another TCLO queue limit. */
  public HostPolicy withTcloQueueLimit(int value) {
    return with(p -> p.tcloQueueLimit = value);
  }

  /** A copy with another TCLO queue byte limit. */
  public HostPolicy withTcloQueueBytesLimit(long value) {
    return with(p -> p.tcloQueueBytesLimit = value);
  }

  /** A copy with one or more settings changed: the one way every {@code with} method copies. */
  private HostPolicy with(Consumer<Fields> change) {
    Fields copy = new Fields(this);
    change.accept(copy);
    return copy.build();
  }

  /** The settings of a {@link HostPolicy} while a copy is being changed. */
  private static final class Fields {
    int channelTableSize;
    boolean highBandwidth;
    boolean cookies;
    int guestMessageLimit;
    boolean rejectUnsolicitedTcloReplies;
    RefusalRegisters refusalRegisters;
    boolean resetAfterUnsolicitedReply;
    Optional<Duration> idleTimeout;
    TcloTakeover tcloTakeover;
    int callLogLimit;
    int historyLimit;
    long historyBytesLimit;
    int guestStoreLimit;
    long guestStoreBytesLimit;
    int tcloQueueLimit;
    long tcloQueueBytesLimit;

    Fields(HostPolicy p) {
      channelTableSize = p.channelTableSize;
      highBandwidth = p.highBandwidth;
      cookies = p.cookies;
      guestMessageLimit = p.guestMessageLimit;
      rejectUnsolicitedTcloReplies = p.rejectUnsolicitedTcloReplies;
      refusalRegisters = p.refusalRegisters;
      resetAfterUnsolicitedReply = p.resetAfterUnsolicitedReply;
      idleTimeout = p.idleTimeout;
      tcloTakeover = p.tcloTakeover;
      callLogLimit = p.callLogLimit;
      historyLimit = p.historyLimit;
      historyBytesLimit = p.historyBytesLimit;
      guestStoreLimit = p.guestStoreLimit;
      guestStoreBytesLimit = p.guestStoreBytesLimit;
      tcloQueueLimit = p.tcloQueueLimit;
      tcloQueueBytesLimit = p.tcloQueueBytesLimit;
    }

    HostPolicy build() {
      return new HostPolicy(
          channelTableSize,
          highBandwidth,
          cookies,
          guestMessageLimit,
          rejectUnsolicitedTcloReplies,
          refusalRegisters,
          resetAfterUnsolicitedReply,
          idleTimeout,
          tcloTakeover,
          callLogLimit,
          historyLimit,
          historyBytesLimit,
          guestStoreLimit,
          guestStoreBytesLimit,
          tcloQueueLimit,
          tcloQueueBytesLimit);
    }
  }
}
