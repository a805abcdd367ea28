package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Numbers in files that overflow: one line naming the key or line, exit 2, no stack trace. */
@Timeout(30)
class CheckedNumbersTest {

  @TempDir Path dir;

  private final Cli cli = new Cli();

  private void assertOneLine(String... words) {
    String text = cli.err().strip();
    assertThat(text).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("overflow");
    for (String w : words) {
      assertThat(text).contains(w);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"3000000h", "1000000000000000000h", "PT2562048H"})
  void anIdleTimeoutBeyondVirtualTimeNamesTheKey(String value) throws IOException {
    Path config = dir.resolve("vms.properties");
    Files.writeString(config, "vm.a.idleTimeout=" + value + "\n", StandardCharsets.UTF_8);
    assertThat(cli.run("serve", "--vm-config", config.toString(), "--port", "0")).isEqualTo(2);
    assertOneLine("vm.a.idleTimeout", "too long");
  }

  private Path log(String... lines) throws IOException {
    Path file = dir.resolve("vmt.log");
    Files.write(file, java.util.List.of(lines), StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void aLogWhoseStampsAreAbsurdlyFarApartIsRefusedWithTheLine() throws IOException {
    Path file =
        log(
            "[   600.250000] vmware: sending length failed, eax=0x564d5868, ecx=0",
            "[   600.250040] vmt0: failed to send TCLO outgoing ping",
            "[1000000600.100000] VMware guest entering suspended state",
            "[1000000600.100200] vmware: get data failed, ebx=0x100000",
            "[1000000600.100210] vmt0: failed to get rpci response data");
    assertThat(cli.run("import-log", file.toString())).isEqualTo(2);
    assertOneLine("line 3", "at most 6d");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void aDmesgStampOf1e20IsRefusedWithTheLine() throws IOException {
    Path file =
        log(
            "[   600.250000] vmware: sending length failed, eax=0x564d5868, ecx=0",
            "[   600.250040] vmt0: failed to send TCLO outgoing ping",
            "[100000000000000000000.100000] VMware guest entering suspended state",
            "[100000000000000000000.100200] vmware: get data failed, ebx=0x100000",
            "[100000000000000000000.100210] vmt0: failed to get rpci response data");
    assertThat(cli.run("import-log", file.toString())).isEqualTo(2);
    assertOneLine("line 3");
  }

  @Test
  void aRegisterOf21HexDigitsSkipsItsLineOnly() throws IOException {
    Path file =
        log(
            "[   600.250000] vmware: sending length failed, eax=0x564d5868, ecx=0",
            "[   600.250040] vmt0: failed to send TCLO outgoing ping",
            "[   601.250000] vmware: sending length failed, eax=0x123456789012345678901, ecx=0",
            "[   602.250000] vmware: sending length failed, eax=0x564d5868, ecx=0",
            "[   602.250040] vmt0: failed to send TCLO outgoing ping");
    assertThat(cli.run("import-log", file.toString())).isZero();
    assertThat(cli.err()).contains("3: eax has more than 64 bits");
    assertThat(cli.out()).contains("scenario vmt").contains("invalidate-tclo");
  }
}
