package io.github.vmbackdoor.hostsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.hostsim.logimport.VmtLogParser;
import io.github.vmbackdoor.hostsim.scenario.BuiltInScenarios;
import io.github.vmbackdoor.hostsim.scenario.Scenario;
import io.github.vmbackdoor.hostsim.scenario.ScenarioOutcome;
import io.github.vmbackdoor.hostsim.scenario.ScenarioRunner;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.VmtFlavor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Difference A in a whole hour: in {@code leaking-closes} (8 channels, RPCI closes refused, a reset
 * every 2 min) vmt_tick on its own 15 s timer changes which RPCIs meet the full table, and the
 * OpenBSD families never reach a refused reopen, where the NetBSD-shaped tick does.
 */
class OpenBsdLeakingClosesTest {

  private static ScenarioOutcome run(VmtFlavor flavor) {
    Scenario s =
        BuiltInScenarios.named("leaking-closes").orElseThrow().toBuilder().flavor(flavor).build();
    return ScenarioRunner.run(s, TcloMachines.LEGACY);
  }

  private static List<String> texts(ScenarioOutcome o) {
    return o.lines().stream().map(ScenarioOutcome.TimedLine::text).toList();
  }

  @ParameterizedTest
  @EnumSource(names = {"OPENBSD_1_17", "OPENBSD_1_8", "OPENBSD"})
  void openBsdNeverFailsToReopenTclo(VmtFlavor flavor) {
    ScenarioOutcome openBsd = run(flavor);
    assertThat(texts(openBsd)).noneMatch(l -> l.contains("unable to reopen TCLO channel"));
    // 619 messages in 426 console lines: the guest-info failures have no newline.
    assertThat(VmtLogParser.parse(texts(openBsd)).lines()).hasSize(619);
    assertThat(openBsd.lines()).hasSize(426);
    assertThat(texts(openBsd))
        .anyMatch(l -> l.startsWith("vmt0: unable to set guest uptimevmware: open failed"));
    assertThat(texts(run(VmtFlavor.NETBSD)))
        .anyMatch(l -> l.equals("vmt0: unable to reopen TCLO channel"))
        .hasSize(977);
  }
}
