package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoorException;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.hostsim.server.WireError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(
        new PrintWriter(out, true),
        new PrintWriter(err, true),
        new ServeCommand(new CountDownLatch(1)),
        args);
  }

  @Test
  void helpOnTheTopCommandAndOnServe() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: java -jar vmbackdoor.jar")
        .contains("serve")
        .contains("Exit codes");
    out.getBuffer().setLength(0);
    assertThat(run("serve", "--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: java -jar vmbackdoor.jar serve")
        .contains("--port=N")
        .contains("--bind=ADDR")
        .contains("listening on HOST:PORT");
    // The connection bounds with the server's own defaults.
    assertThat(out.toString().replaceAll("\\s+", " "))
        .contains("--read-timeout=DURATION")
        .contains("--spin-before-park=DURATION")
        .contains("default: " + SimulatorServer.DEFAULT_READ_TIMEOUT_SECONDS + "s")
        .contains("--max-connections-per-address=N")
        .contains("(default: " + SimulatorServer.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS + ")")
        .contains("(default: " + SimulatorServer.DEFAULT_MAX_CONNECTIONS + ")")
        .contains("--allow-large");
  }

  @Test
  void noCommandIsBadUsage() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "vmbackdoor: a command is required: serve, demo, replay, import-log, ctl, guest or help\n"
                + "see 'java -jar vmbackdoor.jar --help'\n");
  }

  @Test
  void theMissingCommandMessageListsEveryCommandPicocliKnows() {
    CommandLine main = new CommandLine(CommandLine.Model.CommandSpec.create());
    assertThat(Main.commandRequired(main)).isEqualTo("a command is required: ");
    main.addSubcommand("serve", CommandLine.Model.CommandSpec.create())
        .addSubcommand("demo", CommandLine.Model.CommandSpec.create());
    assertThat(Main.commandRequired(main)).isEqualTo("a command is required: serve or demo");
    main.addSubcommand("ctl", CommandLine.Model.CommandSpec.create());
    assertThat(Main.commandRequired(main)).isEqualTo("a command is required: serve, demo or ctl");
  }

  @Test
  void unknownCommandOrOptionIsBadUsage() {
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(run("serve", "--no-such-option")).isEqualTo(2);
    assertThat(run("serve", "--port", "x")).isEqualTo(2);
    assertThat(run("serve", "--port", "70000")).isEqualTo(2);
    assertThat(err.toString()).contains("--port 70000 is outside 0..65535");
  }

  @Test
  void aPortInUseFailsTheJob() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(run("serve", "--port", String.valueOf(taken.getLocalPort()))).isEqualTo(1);
      assertThat(err.toString()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void serveListensUntilStoppedAndServesTheNamedVms() throws Exception {
    OutputLines lines = new OutputLines();
    CountDownLatch stop = new CountDownLatch(1);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                Main.run(
                    new PrintWriter(lines, true),
                    new PrintWriter(err, true),
                    new ServeCommand(stop),
                    "serve",
                    "--port",
                    "0",
                    "--vm",
                    "alpha,beta"));
    String listening = lines.next();
    assertThat(listening).startsWith("listening on 127.0.0.1:");
    assertThat(lines.next()).isEqualTo("serving VMs alpha, beta");
    HostAndPort address = HostAndPort.fromString(listening.substring("listening on ".length()));
    try (RemoteBackdoor guest =
        RemoteBackdoor.connect(address.getHost(), address.getPort(), "beta")) {
      Registers answer = guest.in(CommandPort.versionProbe());
      assertThat(answer.ebx()).isEqualTo(BackdoorProtocol.MAGIC);
    }
    Assertions.assertThatThrownBy(
            () -> RemoteBackdoor.connect(address.getHost(), address.getPort(), "gamma"))
        .isInstanceOfSatisfying(
            RemoteBackdoorException.class,
            e -> assertThat(e.error()).contains(WireError.UNKNOWN_VM));
    assertThat(exit).isNotDone();
    stop.countDown();
    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
  }
}
