package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BiFunction;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of {@code serve} that shape its {@link SimulatorServer}: where it listens and the
 * bounds on its connections (docs/wire-protocol.md §8.1), mixed in with {@code @Mixin}. Their
 * defaults are the server's own.
 */
final class ServerOptions {

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "0",
      description = "TCP port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "127.0.0.1",
      description =
          "Address to listen on (default: ${DEFAULT-VALUE}). Any other address exposes the "
              + "simulator to whoever can reach it.")
  private InetAddress bind;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      defaultValue = "" + SimulatorServer.DEFAULT_MAX_CONNECTIONS,
      description = "Most guest connections served at once (default: ${DEFAULT-VALUE}).")
  private int maxConnections;

  @Option(
      names = "--max-connections-per-address",
      paramLabel = "N",
      defaultValue = "" + SimulatorServer.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      description =
          "Most connections served at once from one client address, so that one client cannot"
              + " take them all; more are refused with TOO_MANY_CONNECTIONS"
              + " (default: ${DEFAULT-VALUE}).")
  private int maxConnectionsPerAddress;

  @Option(
      names = "--read-timeout",
      paramLabel = "DURATION",
      defaultValue = SimulatorServer.DEFAULT_READ_TIMEOUT_SECONDS + "s",
      description =
          "How long a connection may go without completing a request and without taking any of"
              + " its answers before it is closed with IDLE_TIMEOUT: an idle client, a frame"
              + " never finished, a client that stopped reading (30s, 5m, PT1M;"
              + " default: ${DEFAULT-VALUE}).")
  private Duration readTimeout;

  /** The address to listen on. */
  InetAddress bind() {
    return bind;
  }

  @Mixin private SpinBeforeParkOption spinBeforePark;

  /** How long the I/O threads poll before they sleep; 0 when they sleep at once. */
  Duration spinBeforePark() {
    return spinBeforePark.value();
  }

  /** Checks the values; a wrong one is a usage error of {@code commandLine}. */
  void check(CommandLine commandLine) {
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(
          commandLine, "--port " + port + " is outside 0..65535");
    }
    if (maxConnections < 1) {
      throw new CommandLine.ParameterException(commandLine, "--max-connections must be at least 1");
    }
    if (maxConnectionsPerAddress < 1) {
      throw new CommandLine.ParameterException(
          commandLine, "--max-connections-per-address must be at least 1");
    }
    if (readTimeout.isNegative() || readTimeout.isZero()) {
      throw new CommandLine.ParameterException(commandLine, "--read-timeout must be more than 0");
    }
    spinBeforePark.check(commandLine);
  }

  /** A server for {@code vms} with these options. */
  SimulatorServer.Builder server(BiFunction<String, InetSocketAddress, Backdoor> vms) {
    return SimulatorServer.builder(vms)
        .bindAddress(bind)
        .port(port)
        .maxConnections(maxConnections)
        .maxConnectionsPerAddress(maxConnectionsPerAddress)
        .readTimeout(readTimeout)
        .spinBeforePark(spinBeforePark.value());
  }
}
