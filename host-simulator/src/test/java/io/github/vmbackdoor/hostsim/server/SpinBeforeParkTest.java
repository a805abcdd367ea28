package io.github.vmbackdoor.hostsim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

/** The spin-before-park strategy's choices, on a clock the test moves. */
class SpinBeforeParkTest {

  private long now = 1_000;
  private final SpinBeforePark strategy = new SpinBeforePark(50_000, () -> now);

  @Test
  void aLoopThatHasNotWorkedYetParksAtOnce() throws Exception {
    assertThat(strategy.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
  }

  @Test
  void afterWorkItPollsWithoutBlockingForTheSpinThenParks() throws Exception {
    assertThat(strategy.calculateStrategy(() -> 2, false)).as("ready events").isEqualTo(2);
    now += 10_000;
    assertThat(strategy.calculateStrategy(() -> 0, false)).as("within the spin").isZero();
    now += 39_999;
    assertThat(strategy.calculateStrategy(() -> 0, false)).as("just within").isZero();
    now += 1;
    assertThat(strategy.calculateStrategy(() -> 0, false))
        .as("spin over")
        .isEqualTo(SelectStrategy.SELECT);
  }

  @Test
  void tasksCountAsWorkAndRestartTheSpin() throws Exception {
    assertThat(strategy.calculateStrategy(() -> 1, false)).isEqualTo(1);
    now += 49_000;
    assertThat(strategy.calculateStrategy(() -> 0, true)).as("tasks, nothing ready").isZero();
    now += 49_000;
    assertThat(strategy.calculateStrategy(() -> 0, false))
        .as("spin restarted by the tasks")
        .isZero();
    now += 1_000;
    assertThat(strategy.calculateStrategy(() -> 0, false)).isEqualTo(SelectStrategy.SELECT);
  }

  @Test
  void onlyEpollSpins() {
    assertThat(Transport.EPOLL.spins(50_000)).isTrue();
    assertThat(Transport.EPOLL.spins(0)).isFalse();
    assertThat(Transport.NIO.spins(50_000)).isFalse();
  }
}
