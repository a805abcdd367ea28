package io.github.vmbackdoor.rpc;

import java.util.Objects;

/**
 * The one rule for naming a guestinfo variable: every method that takes one takes the bare name
 * ({@code ip}) and accepts the full key too ({@code guestinfo.ip}), meaning the same variable. On
 * the wire, and in the host's store, the key always carries the {@code guestinfo.} prefix once.
 */
public final class GuestInfoKey {

  /** The prefix of every guestinfo key: {@code guestinfo.}. */
  public static final String PREFIX = "guestinfo.";

  private GuestInfoKey() {}

  /**
   * The full key of a variable given by its bare name or its full key: {@code ip} and {@code
   * guestinfo.ip} are both {@code guestinfo.ip}.
   *
   * @throws IllegalArgumentException when the name is empty or holds a space or a NUL
   */
  public static String of(String name) {
    Objects.requireNonNull(name, "name");
    String bare = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
    if (bare.isEmpty() || bare.indexOf(' ') >= 0 || bare.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "not a guestinfo name: \"" + name + "\" (give the bare name, such as \"ip\")");
    }
    return PREFIX + bare;
  }
}
