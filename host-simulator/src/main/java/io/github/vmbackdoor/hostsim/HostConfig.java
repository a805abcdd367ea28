package io.github.vmbackdoor.hostsim;

import com.google.common.base.Ticker;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.VmxVersion;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The settings a {@link VirtualHost.Builder} collects, with their defaults (documented on the
 * builder's methods). Mutable while the builder fills it; the host reads it once.
 */
final class HostConfig {
  // identity
  UUID uuid;
  int memoryMb = 4096;
  int mhz = 2400;
  int hardwareVersion = 19;
  int productType = VmxVersion.ProductType.SCALABLE_SERVER.code();
  int vmxVersion = BackdoorProtocol.VERSION_MAGIC;
  long apicHz = 66_000_000L;
  int maxTimeLagMicros = 1_000_000;
  int interruptLagMicros = 0;
  String machineId = "";

  // time
  Clock clock;
  Ticker ticker;
  Simulation simulation;
  Consumer<Duration> delayer;
  Long seed;

  // policies
  int channelTableSize = BackdoorProtocol.MAX_CHANNELS;
  boolean highBandwidth = true;
  boolean cookiesSupported = true;
  boolean rejectUnsolicitedTcloReplies;
  Optional<Duration> idleTimeout = Optional.empty();
  Invalidation tcloTakeover = Invalidation.HOST_CLOSED;
  int callLogLimit = 10_000;
  int historyLimit = 10_000;
  int guestStoreLimit = 1024;
  final Map<String, RpciHandler> handlers = new HashMap<>();
}
