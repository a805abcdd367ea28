package io.github.vmbackdoor.rpc;

/** A scheduled task that can be called off. */
@FunctionalInterface
public interface Cancellable {

  /** Calls the task off if it has not run yet; does nothing otherwise. */
  void cancel();
}
