package io.github.vmbackdoor.hostsim.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.hostsim.settings.HostPolicy;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Virtual time never wraps: an addition past its end is refused, a run to "forever" saturates. */
class SimulationOverflowTest {

  @Test
  void advancingPastTheEndOfVirtualTimeIsRefusedAndTimeStaysPut() {
    Simulation sim = Simulation.create(1);
    sim.advance(Duration.ofDays(100_000));
    assertThatThrownBy(() -> sim.advance(Duration.ofDays(100_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("virtual time would pass its end");
    assertThat(sim.elapsed()).isEqualTo(Duration.ofDays(100_000));
  }

  @Test
  void schedulingPastTheEndIsRefused() {
    Simulation sim = Simulation.create(1);
    sim.advance(Duration.ofDays(50_000));
    assertThatThrownBy(() -> sim.schedule(Duration.ofDays(100_000), () -> {}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sim.schedule(Duration.ofDays(1_000_000), () -> {}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(sim.pendingEvents()).isZero();
  }

  @Test
  void runningForAnyLengthSaturatesAtTheEnd() {
    Simulation sim = Simulation.create(1);
    sim.advance(Duration.ofDays(1));
    boolean[] ran = {false};
    sim.schedule(Duration.ofSeconds(1), () -> ran[0] = true);
    assertThat(sim.runFor(Duration.ofDays(1_000_000))).isEqualTo(1);
    assertThat(ran[0]).isTrue();
    assertThat(sim.nanos()).isEqualTo(Long.MAX_VALUE);
    Simulation other = Simulation.create(1);
    other.advance(Duration.ofDays(1));
    assertThat(other.runUntil(() -> false, Duration.ofSeconds(Long.MAX_VALUE))).isFalse();
    assertThat(other.nanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anIdleTimeoutBeyondVirtualTimeIsRefusedByThePolicy() {
    assertThatThrownBy(
            () -> HostPolicy.DEFAULTS.withIdleTimeout(Optional.of(Duration.ofDays(200_000))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("292 years");
  }
}
