package io.github.vmbackdoor.hostsim.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trap helper's pure parts, compiled with it into {@code src/test/c/trap-unit.c}: the
 * instruction decoder (every prefix form real binaries use, and what is not the backdoor's), the
 * register write-back rule, the CPUID answers (VMwareVMware, no VMCALL/VMMCALL, the machine's own
 * values elsewhere), the refusal on KVM and Xen without CPUID faulting and on VMware, and the
 * refused program names. Runs wherever there is a C compiler, trap or not.
 */
class TrapUnitTest {

  @Test
  void thePurePartsOfTheHelperPassTheirChecks(@TempDir Path dir) throws Exception {
    Path unit = TestPrograms.compile("trap-unit", dir);

    GuestRun run = TestPrograms.untrapped(List.of(unit.toString()));

    assertThat(run.stdout())
        .as(run.stdout())
        .doesNotContain("FAIL")
        .endsWith(" checks, 0 failures\n");
    assertThat(run.exitCode()).isZero();
  }
}
