package io.github.vmbackdoor.hostsim;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.rpc.TcloEvent;
import io.github.vmbackdoor.rpc.TcloListener;
import io.github.vmbackdoor.rpc.TcloOptions;
import io.github.vmbackdoor.rpc.ToolsService;
import java.util.List;

/** Guest tools loops for tests, ticking in a simulation's virtual time. */
public final class ToolsLoops {

  private ToolsLoops() {}

  /**
   * A tools loop (not started) of TCLO application {@code app} ({@code toolbox}, {@code
   * toolbox-dnd}) on {@code backdoor}, ticking on {@code sim}; every host command it receives is
   * added to {@code received}.
   */
  public static ToolsService loop(
      Backdoor backdoor, Simulation sim, String app, List<String> received) {
    TcloListener listener =
        new TcloListener() {
          @Override
          public void onEvent(TcloEvent event) {
            if (event.type() == TcloEvent.Type.COMMAND_RECEIVED) {
              received.add(event.detail());
            }
          }
        };
    return ToolsService.builder(backdoor)
        .scheduler(SimulationTickScheduler.of(sim))
        .options(TcloOptions.defaults().withAppName(app))
        .listener(listener)
        .build();
  }
}
