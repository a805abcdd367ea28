package io.github.vmbackdoor.bench;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloMachineContext;
import io.github.vmbackdoor.rpc.TcloMachines;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.TcloResult;
import io.github.vmbackdoor.rpc.TcloStateMachine;

/**
 * The guest of the replay benchmark: the fixed TCLO machine polling, and every tenth poll an RPCI
 * {@code info-get} of a 64-byte value over the high-bandwidth port. The same steps against the same
 * answers make the same calls, so it runs once against a recording host and again against the
 * replay of that recording.
 */
final class TraceWorkload {

  /** Backdoor calls per step, on average: 2 per idle poll, 7 per RPCI every tenth step. */
  static final double CALLS_PER_STEP = 2.7;

  private final TcloStateMachine machine;
  private final RpciClient rpci;

  TraceWorkload(Backdoor backdoor) {
    this.machine =
        TcloMachines.FIXED.create(
            new TcloMachineContext(
                backdoor,
                command -> TcloResult.ok(),
                TcloOptions.defaults(),
                new TcloListener() {}));
    this.rpci = RpciClient.create(backdoor);
  }

  /** Runs {@code steps} steps; returns a value that depends on every answer. */
  long run(int steps) {
    long check = 0;
    for (int i = 0; i < steps; i++) {
      check += machine.tick().toMillis();
      if (i % 10 == 9) {
        check += rpci.guestInfoGet("bench").text().length();
      }
    }
    return check;
  }
}
