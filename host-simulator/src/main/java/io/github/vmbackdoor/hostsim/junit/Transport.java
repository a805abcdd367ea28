package io.github.vmbackdoor.hostsim.junit;

/** How the guest code of a test reaches its simulated VM. */
public enum Transport {
  /**
   * Guest calls go straight to {@link io.github.vmbackdoor.hostsim.VirtualHost#backdoor()} on the
   * calling thread. Guest ticks run as events of the test's {@link
   * io.github.vmbackdoor.hostsim.time.Simulation}, and waits are measured in virtual time.
   */
  IN_PROCESS,
  /**
   * Guest calls travel over TCP loopback to a {@link
   * io.github.vmbackdoor.hostsim.server.SimulatorServer} through {@link
   * io.github.vmbackdoor.hostsim.server.RemoteBackdoor} connections. Guest ticks run on a real
   * scheduler, and waits are measured in real time.
   */
  TCP
}
