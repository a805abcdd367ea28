package io.github.vmbackdoor.hostsim.server;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which new connections a {@link SimulatorServer} admits: at most {@code maxConnections} in all and
 * {@code maxConnectionsPerAddress} from one client address, with the last quarter of the total kept
 * for addresses that hold few. A connection admitted is counted out again when it closes.
 */
final class ConnectionAdmission {

  /** Why a connection is refused at accept. */
  record Refusal(WireError error, String text) {}

  private final int maxConnections;
  private final int maxConnectionsPerAddress;
  private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
  private final AtomicInteger admitted = new AtomicInteger();

  ConnectionAdmission(int maxConnections, int maxConnectionsPerAddress) {
    this.maxConnections = maxConnections;
    this.maxConnectionsPerAddress = maxConnectionsPerAddress;
  }

  /** The connections admitted and not closed yet. */
  int admitted() {
    return admitted.get();
  }

  /**
   * The last quarter of {@code maxConnections}, kept for addresses that hold few: within it, an
   * address holding {@link #shareInReserve()} connections or more is refused, so that a few
   * addresses at their caps leave room for others. (Not when one address may hold them all: {@code
   * maxConnectionsPerAddress >= maxConnections}.)
   */
  private int reserve() {
    return maxConnections / 4;
  }

  /** What an address may hold once the server is within its reserve: an eighth of it. */
  private int shareInReserve() {
    return Math.max(1, reserve() / 8);
  }

  /** Counts a new connection in; returns why it is refused, or null when it is admitted. */
  Refusal admit(Channel channel) {
    if (admitted.incrementAndGet() > maxConnections) {
      admitted.decrementAndGet();
      return new Refusal(
          WireError.TOO_MANY_CONNECTIONS,
          "the server already serves " + maxConnections + " connections");
    }
    InetAddress client =
        channel.remoteAddress() instanceof InetSocketAddress remote
            ? remote.getAddress()
            : InetAddress.getLoopbackAddress();
    int fromClient = perAddress.merge(client, 1, Integer::sum);
    int total = admitted.get();
    if (maxConnectionsPerAddress < maxConnections
        && fromClient > shareInReserve()
        && total > maxConnections - reserve()) {
      release(client);
      return new Refusal(
          WireError.TOO_MANY_CONNECTIONS,
          "the server serves "
              + (total - 1)
              + " of its "
              + maxConnections
              + " connections; the last "
              + reserve()
              + " are kept for addresses holding at most "
              + shareInReserve()
              + ", and "
              + client.getHostAddress()
              + " holds "
              + (fromClient - 1));
    }
    if (fromClient > maxConnectionsPerAddress) {
      release(client);
      return new Refusal(
          WireError.TOO_MANY_CONNECTIONS,
          "the server already serves "
              + maxConnectionsPerAddress
              + " connections from "
              + client.getHostAddress());
    }
    channel.closeFuture().addListener(f -> release(client));
    return null;
  }

  private void release(InetAddress client) {
    perAddress.computeIfPresent(client, (a, n) -> n == 1 ? null : n - 1);
    admitted.decrementAndGet();
  }
}
