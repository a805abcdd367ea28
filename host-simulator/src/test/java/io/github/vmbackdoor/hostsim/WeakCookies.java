package io.github.vmbackdoor.hostsim;

/** Test-only hosts with predictable cookies, for suites that must catch them. */
public final class WeakCookies {

  private WeakCookies() {}

  /** {@code builder} with cookies slot+1 in both halves: fully predictable. */
  public static VirtualHostBuilder slotDerived(VirtualHostBuilder builder) {
    builder.cookieSource = (seed, count, slot) -> ((long) (slot + 1) << 32) | (slot + 1);
    return builder;
  }
}
