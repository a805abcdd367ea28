package io.github.vmbackdoor.hostsim.cli;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.VmxVersion;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code serve --vm-config FILE}: VM identities and host policies per VM name. */
class ServeVmConfigTest {

  private static final UUID ALPHA_UUID = UUID.fromString("564d0c6e-1a2b-3c4d-5e6f-708192a3b4c5");

  @TempDir Path dir;

  private final Cli cli = new Cli();

  private Path file(String... lines) throws IOException {
    Path file = dir.resolve("vms.properties");
    Files.write(file, List.of(lines), StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void theFileShapesEachNamedVm() throws Exception {
    Path config =
        file(
            "# two VMs",
            "vm.alpha.channelTableSize=8",
            "vm.alpha.highBandwidth=false",
            "vm.alpha.uuid=" + ALPHA_UUID,
            "vm.alpha.productType=workstation",
            "vm.alpha.memoryMb=2048",
            "vm.alpha.machineId=alpha-id",
            "vm.alpha.guestinfo.ip=10.0.0.7",
            "vm.beta.seed=99",
            "vm.beta.idleTimeout=30s");
    try (RunningServe serve = new RunningServe("--vm-config", config.toString(), "--vm", "gamma")) {
      assertThat(serve.nextLine()).isEqualTo("serving VMs alpha, beta, gamma");
      try (RemoteBackdoor alpha = RemoteBackdoor.connect(serve.host(), serve.port(), "alpha");
          RemoteBackdoor gamma = RemoteBackdoor.connect(serve.host(), serve.port(), "gamma")) {
        CommandPort port = new CommandPort(alpha);
        assertThat(port.version().productType()).isEqualTo(VmxVersion.ProductType.WORKSTATION);
        assertThat(port.uuid().uuid()).isEqualTo(ALPHA_UUID);
        assertThat(port.memorySizeMb()).hasValue(2048);
        RpciClient rpci = RpciClient.create(alpha);
        assertThat(rpci.guestInfoGet("ip").text()).isEqualTo("10.0.0.7");
        assertThat(rpci.machineId().text()).isEqualTo("alpha-id");
        // A table of 8 channels: the ninth OPEN is refused.
        List<MessageChannel> open = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          open.add(MessageChannel.open(alpha, PROTOCOL_RPCI));
        }
        assertThatThrownBy(() -> MessageChannel.open(alpha, PROTOCOL_RPCI))
            .isInstanceOf(MessageException.class);
        open.forEach(MessageChannel::close);
        // A VM named only by --vm has the defaults.
        CommandPort gammaPort = new CommandPort(gamma);
        assertThat(gammaPort.version().productType())
            .isEqualTo(VmxVersion.ProductType.SCALABLE_SERVER);
        assertThat(RpciClient.create(gamma).guestInfoGet("ip").isSuccess()).isFalse();
      }
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "vm.alpha.channels=x | key 'vm.alpha.channels': 'x' is not 1 to 65536",
        "vm.alpha.channels=0 | key 'vm.alpha.channels': '0' is not 1 to 65536",
        "vm.alpha.highBandwidth=yes | key 'vm.alpha.highBandwidth': 'yes' is not true or false",
        "vm.alpha.uuid=nope | key 'vm.alpha.uuid': 'nope' is not a UUID",
        "vm.alpha.idleTimeout=-5s | key 'vm.alpha.idleTimeout': '-5s' is not a positive duration",
        "vm.alpha.idleTimeout=0s | key 'vm.alpha.idleTimeout': '0s' is not a positive duration",
        "vm.alpha.memoryMb=-1 | key 'vm.alpha.memoryMb': '-1' is not a positive integer",
        "vm.alpha.tcloTakeover=SOMETIMES | 'SOMETIMES' is not host-closed, cookies-invalid or refuse-newer",
        "vm.alpha.colour=blue | key 'vm.alpha.colour': unknown setting 'colour'; known: seed, guestinfo.<key>, channelTableSize",
        "alpha.channels=8 | key 'alpha.channels' is not of the form vm.<name>.<setting>",
        "vm.alpha=8 | key 'vm.alpha' is not of the form vm.<name>.<setting>",
      })
  void aWrongKeyOrValueIsBadUsage(String line, String message) throws IOException {
    Path config = file("vm.fine.channels=8", line);
    int code = cli.run("serve", "--vm-config", config.toString());
    assertThat(code).as("exit code; stderr: %s", cli.err()).isEqualTo(2);
    assertThat(cli.err()).contains("--vm-config " + config + ": ").contains(message);
  }

  @Test
  void aMissingFileFailsTheStart() {
    Path missing = dir.resolve("absent.properties");
    assertThat(cli.run("serve", "--vm-config", missing.toString())).isEqualTo(1);
    assertThat(cli.err())
        .isEqualTo("vmbackdoor serve: cannot read " + missing + ": no such file\n");
  }

  @Test
  void aFileThatNamesNoVmIsBadUsageUnlessVmIsGiven() throws IOException {
    Path config = file("# nothing here");
    assertThat(cli.run("serve", "--vm-config", config.toString())).isEqualTo(2);
    assertThat(cli.err()).contains("names no VM, and no --vm was given");
  }

  @Test
  void helpListsTheSettings() {
    assertThat(cli.run("serve", "--help")).isZero();
    assertThat(cli.out())
        .contains("--vm-config=FILE")
        .contains("vm.<name>.<setting>=<value>")
        .contains("highBandwidth")
        .containsPattern("tcloTakeover +host-closed, cookies-invalid or refuse-newer;\\s+default");
  }
}
