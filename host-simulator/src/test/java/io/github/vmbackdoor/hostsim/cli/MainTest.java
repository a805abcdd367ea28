package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoorException;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import io.github.vmbackdoor.hostsim.server.WireError;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  private final Cli cli = new Cli();

  @Test
  void helpOnTheTopCommandAndOnServe() {
    assertThat(cli.run("--help")).isZero();
    assertThat(cli.out())
        .contains("Usage: java -jar vmbackdoor.jar")
        .contains("serve")
        .contains("Exit codes");
    assertThat(cli.run("serve", "--help")).isZero();
    assertThat(cli.out())
        .contains("Usage: java -jar vmbackdoor.jar serve")
        .contains("--port=N")
        .contains("--bind=ADDR")
        .contains("listening on HOST:PORT");
    // The connection bounds with the server's own defaults.
    assertThat(cli.out().replaceAll("\\s+", " "))
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
    assertThat(cli.run()).isEqualTo(2);
    assertThat(cli.err())
        .isEqualTo(
            "vmbackdoor: a command is required: serve, demo, replay, import-log, scenarios, ctl, guest"
                + " or help\n"
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
    assertThat(cli.run("frobnicate")).isEqualTo(2);
    assertThat(cli.run("serve", "--no-such-option")).isEqualTo(2);
    assertThat(cli.run("serve", "--port", "x")).isEqualTo(2);
    assertThat(cli.run("serve", "--port", "70000")).isEqualTo(2);
    assertThat(cli.err()).contains("--port 70000 is outside 0..65535");
  }

  @Test
  void aPortInUseFailsTheJob() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(cli.run("serve", "--port", String.valueOf(taken.getLocalPort()))).isEqualTo(1);
      assertThat(cli.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void serveListensUntilStoppedAndServesTheNamedVms() throws Exception {
    try (RunningServe serve = new RunningServe("--vm", "alpha,beta")) {
      assertThat(serve.nextLine()).isEqualTo("serving VMs alpha, beta");
      try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "beta")) {
        Registers answer = guest.in(CommandPort.versionProbe());
        assertThat(answer.ebx()).isEqualTo(BackdoorProtocol.MAGIC);
      }
      Assertions.assertThatThrownBy(
              () -> RemoteBackdoor.connect(serve.host(), serve.port(), "gamma"))
          .isInstanceOfSatisfying(
              RemoteBackdoorException.class,
              e -> assertThat(e.error()).contains(WireError.UNKNOWN_VM));
      assertThat(serve.running()).isTrue();
    }
  }
}
