package io.github.vmbackdoor.core;

/**
 * Run in a separate JVM by {@link NativeBackdoorTest}: tries {@link NativeBackdoor#open()} and
 * reports the outcome on stdout, so the test can see the process survive and exit normally.
 */
final class NativeBackdoorRefusalMain {

  private NativeBackdoorRefusalMain() {}

  public static void main(String[] args) {
    try {
      NativeBackdoor.open();
      System.out.println("OPENED");
      System.exit(2);
    } catch (NoBackdoorException e) {
      System.out.println("REFUSED " + e.getClass().getSimpleName() + ": " + e.getMessage());
      System.exit(0);
    }
  }
}
