package io.github.vmbackdoor.hostsim.junit;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.hostsim.internal.VmName;
import io.github.vmbackdoor.hostsim.server.SimulatorServer;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The simulator server of one test class over TCP: started with the class's first test, closed by
 * JUnit when the class's extension context closes. Each test registers its own VM under a name no
 * other running test uses, and removes it when it ends.
 */
final class SharedServer implements ExtensionContext.Store.CloseableResource {

  private final Map<String, Backdoor> vms = new ConcurrentHashMap<>();
  private final SimulatorServer server = SimulatorServer.builder(vms::get).start();

  InetSocketAddress address() {
    return server.address();
  }

  /** Serves {@code vm} under {@code name}, or under {@code name-2}, ... if a test holds it. */
  String register(String name, Backdoor vm) {
    if (vms.putIfAbsent(name, vm) == null) {
      return name;
    }
    for (int n = 2; ; n++) {
      String suffix = "-" + n;
      String base = name;
      while (VmName.problem(base + suffix).isPresent()) { // a long name gives way to the suffix
        base = base.substring(0, base.offsetByCodePoints(base.length(), -1));
      }
      String candidate = base + suffix;
      if (vms.putIfAbsent(candidate, vm) == null) {
        return candidate;
      }
    }
  }

  void unregister(String name) {
    vms.remove(name);
  }

  @Override
  public void close() {
    server.close();
  }
}
