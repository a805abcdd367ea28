package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Numbers in files that overflow: one line naming the key or line, exit 2, no stack trace. */
@Timeout(30)
class CheckedNumbersTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(
        new PrintWriter(out, true),
        new PrintWriter(err, true),
        new ServeCommand(new CountDownLatch(1)),
        args);
  }

  private void assertOneLine(String... words) {
    String text = err.toString().strip();
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
    assertThat(run("serve", "--vm-config", config.toString(), "--port", "0")).isEqualTo(2);
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
    assertThat(run("import-log", file.toString())).isEqualTo(2);
    assertOneLine("line 3", "at most 6d");
    assertThat(out.toString()).isEmpty();
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
    assertThat(run("import-log", file.toString())).isEqualTo(2);
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
    assertThat(run("import-log", file.toString())).isZero();
    assertThat(err.toString()).contains("3: eax has more than 64 bits");
    assertThat(out.toString()).contains("scenario vmt").contains("invalidate-tclo");
  }
}
