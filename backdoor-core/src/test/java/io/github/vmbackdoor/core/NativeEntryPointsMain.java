package io.github.vmbackdoor.core;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a separate JVM by {@link NativeSafetyTest}.
 *
 * <p>Mode {@code refuse}: calls every public entry point of {@link NativeBackdoor} many times, from
 * several threads at once, and checks each {@code open()} is refused and no instance (so no port
 * stub) ever came to exist; prints {@code REFUSED <count> <exception type>} and exits 0, or prints
 * what went wrong and exits 3.
 *
 * <p>Mode {@code execute}: the control. Builds an instance past the gate with the opt-in {@link
 * NativeBackdoor#openWithoutHypervisorCheck()} and runs the {@code in} instruction; outside VMware
 * the process must die of it (a user-mode port instruction faults), which shows that a clean exit
 * of the first mode means no port instruction ran.
 */
final class NativeEntryPointsMain {

  static final int THREADS = 4;
  static final int CALLS_PER_THREAD = 250;

  private NativeEntryPointsMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("execute")) {
      NativeBackdoor backdoor = NativeBackdoor.openWithoutHypervisorCheck();
      Registers out =
          backdoor.in(
              Registers.of(
                  BackdoorProtocol.MAGIC,
                  0,
                  BackdoorCommand.GETVERSION.number(),
                  BackdoorProtocol.COMMAND_PORT,
                  0,
                  0));
      System.out.println("RETURNED " + out);
      System.exit(0);
    }
    AtomicInteger refused = new AtomicInteger();
    List<String> problems = new ArrayList<>();
    List<String> types = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < CALLS_PER_THREAD; i++) {
                  try {
                    NativeBackdoor.open();
                    synchronized (problems) {
                      problems.add("open() returned an instance");
                    }
                  } catch (NoBackdoorException e) {
                    refused.incrementAndGet();
                    synchronized (types) {
                      if (!types.contains(e.getClass().getSimpleName())) {
                        types.add(e.getClass().getSimpleName());
                      }
                    }
                  } catch (RuntimeException e) {
                    synchronized (problems) {
                      problems.add("open() threw " + e);
                    }
                  }
                  try {
                    NativeBackdoor.hypervisorVendor();
                  } catch (UnsupportedPlatformException e) {
                    // Off Linux x86-64 the vendor query refuses too.
                  }
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    for (String name : List.of("instance", "uncheckedInstance")) {
      Field instance = NativeBackdoor.class.getDeclaredField(name);
      instance.setAccessible(true);
      if (instance.get(null) != null) {
        problems.add("an instance exists: " + name);
      }
    }
    if (!problems.isEmpty()) {
      System.out.println("PROBLEMS " + problems.subList(0, Math.min(5, problems.size())));
      System.exit(3);
    }
    System.out.println("REFUSED " + refused.get() + " " + String.join(",", types));
    System.exit(0);
  }
}
