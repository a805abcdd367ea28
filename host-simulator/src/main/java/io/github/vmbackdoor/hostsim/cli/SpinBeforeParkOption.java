package io.github.vmbackdoor.hostsim.cli;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --spin-before-park} option of {@code serve} (its I/O threads) and of {@code guest}
 * (the trap helper waiting for an answer, and the serve started there), mixed in with
 * {@code @Mixin}: how long a waiting thread keeps polling before it sleeps.
 */
final class SpinBeforeParkOption {

  @Option(
      names = "--spin-before-park",
      paramLabel = "DURATION",
      defaultValue = "0s",
      description =
          "How long a thread that waits for the other side keeps polling before it sleeps:"
              + " serve's I/O threads after their last request, guest's trap after sending a"
              + " call to the simulator. A call or answer that comes within it saves a thread"
              + " wake-up, for a core kept busy while guests call (50us; at most 1s; default:"
              + " ${DEFAULT-VALUE}, off; serve's threads spin on the epoll transport only).")
  private Duration spinBeforePark;

  /** The duration given, 0 when off. */
  Duration value() {
    return spinBeforePark;
  }

  /** Checks the value; a wrong one is a usage error of {@code commandLine}. */
  void check(CommandLine commandLine) {
    if (spinBeforePark.isNegative() || spinBeforePark.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new CommandLine.ParameterException(
          commandLine, "--spin-before-park must be between 0s and 1s");
    }
  }
}
