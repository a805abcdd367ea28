package io.github.vmbackdoor.rpc;

import java.util.Objects;
import java.util.function.Function;

/**
 * Makes the {@link TcloStateMachine} a {@link ToolsService} runs. The built-in machines are the
 * constants of {@link TcloMachines}; a machine of one's own plugs in through {@link
 * ToolsService.Builder#machine(TcloMachineFactory)}, for example
 *
 * <pre>{@code
 * ToolsService tools = ToolsService.builder(backdoor)
 *     .scheduler(scheduler)
 *     .machine(TcloMachineFactory.of("mine", context -> new MyMachine(context)))
 *     .build();
 * }</pre>
 */
public interface TcloMachineFactory {

  /** The machine's name in outcomes and on the command line, e.g. {@code fixed}. */
  String machineName();

  /**
   * A new machine, not ticked yet.
   *
   * @param context what the machine works with: the backdoor, the service's command table, the
   *     options and the listener to report to
   */
  TcloStateMachine create(TcloMachineContext context);

  /** A factory named {@code name} that makes its machines with {@code create}. */
  static TcloMachineFactory of(
      String name, Function<TcloMachineContext, ? extends TcloStateMachine> create) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty machine name");
    }
    Objects.requireNonNull(create, "create");
    return new TcloMachineFactory() {
      @Override
      public String machineName() {
        return name;
      }

      @Override
      public TcloStateMachine create(TcloMachineContext context) {
        return Objects.requireNonNull(create.apply(context), () -> "machine of " + name);
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }
}
