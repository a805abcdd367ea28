package io.github.vmbackdoor.hostsim.logimport;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.rpc.VmtFlavor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log's clock: OpenBSD guest-info failures moved onto vmt_tick's own 15 s grid. */
class LogClockTest {

  private static final Duration GRID = Duration.ofSeconds(15);

  @Test
  void wholeSecondsPutATimeInTheSecondBeforeTheNearestGridPoint() {
    assertThat(LogClock.secondsOntoGrid(615.5, GRID)).isEqualTo(-1);
    assertThat(LogClock.secondsOntoGrid(614.25, GRID)).isZero();
    assertThat(LogClock.secondsOntoGrid(616.2, GRID)).isEqualTo(-2);
    assertThat(LogClock.secondsOntoGrid(622.0, GRID)).isEqualTo(7);
    for (double t = 600; t < 700; t += 0.37) {
      double moved = t + LogClock.secondsOntoGrid(t, GRID);
      double intoSecondBefore = (moved + 1) % 15;
      assertThat(intoSecondBefore).isGreaterThanOrEqualTo(0).isLessThan(1);
      assertThat(Math.abs(moved - t)).isLessThanOrEqualTo(8);
      // whole seconds: the place between two TCLO ticks stays
      assertThat(moved - t).isEqualTo(Math.rint(moved - t));
    }
  }

  @Test
  void anOpenBsdUptimeFailureOffTheGridIsMovedOntoItAndReproduced() throws IOException {
    List<String> log = sample("openbsd-debug-loop.log");
    LogImport.Result imported = LogImport.importLog("openbsd-debug-loop.log", log);
    assertThat(imported.scenario().flavor()).isEqualTo(VmtFlavor.OPENBSD);
    assertThat(VmtFlavor.OPENBSD.guestInfoOnOwnTimer()).isTrue();
    String text = imported.scenario().toText();
    // The uptime failure is stamped 10 s after the first event (605.5 s): 615.5 s, half a second
    // after vmt_tick's 615 s; moved by -1 s it comes just before it.
    assertThat(text).contains("# Moved -1 s so that the first guest-info failure");
    assertThat(text).contains("Times: the first host event at 10:04.500");
    Verification v = Verification.of(imported);
    assertThat(v.matches()).as(String.join("\n", v.report())).isTrue();
    assertThat(v.reproduced()).isEqualTo(35);
  }

  @Test
  void netBsdLogsAreNotMoved() throws IOException {
    LogImport.Result imported =
        LogImport.importLog("netbsd10-ping-loop.log", sample("netbsd10-ping-loop.log"));
    assertThat(imported.scenario().toText()).doesNotContain("# Moved ");
  }

  @Test
  void stampsAreTakenAsWrittenAndTheLinesOfASyslogSecondSpreadInWholeMilliseconds()
      throws IOException {
    assertThat(LogClock.exactNanos(600.25004)).isEqualTo(600_250_040_000L);
    assertThat(LogClock.exactNanos(116066.6810491)).isEqualTo(116_066_681_049_100L);
    assertThat(LogClock.exactNanos(2_800_815)).isEqualTo(2_800_815_000_000_000L);
    // Syslog stamps count the seconds of the year: as doubles, a second plus half of it and the
    // difference of two such were off by a nanosecond (run 1h10m15.100000001s).
    String openBsd =
        LogImport.importLog("openbsd-debug-loop.log", sample("openbsd-debug-loop.log"))
            .scenario()
            .toText();
    assertThat(openBsd).contains("\nrun 1h10m15.1s\n");
    // Three lines in one syslog second: at 0, 333 and 666 ms of it, not at thirds no duration
    // holds (10m5.833333333s).
    String amdv =
        LogImport.importLog(
                "netbsd6-amdv-ping-loop.log", resource("/logcorpus/netbsd6-amdv-ping-loop.log"))
            .scenario()
            .toText();
    assertThat(amdv).contains("\nat 10m5.833s host-reset\n");
  }

  private static List<String> sample(String name) throws IOException {
    return resource("/logs/" + name);
  }

  private static List<String> resource(String path) throws IOException {
    try (InputStream in = LogClockTest.class.getResourceAsStream(path)) {
      return Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }
  }
}
