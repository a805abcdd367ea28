package io.github.vmbackdoor.hostsim.settings;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import io.github.vmbackdoor.hostsim.internal.Printable;
import java.util.ArrayList;
import java.util.List;

/**
 * A device of the VM that the guest may connect and disconnect, as the command port lists it
 * (GETDEVICELISTELEMENT, 11) and toggles it (TOGGLEDEVICE, 12): {@code vmware-toolbox-cmd device
 * list} prints each as {@code name: Enabled} or {@code name: Disabled}. open-vm-tools'
 * lib/include/removable_device.h gives the record the guest reads four bytes at a time, {@code
 * RD_Info}: the name in 32 bytes (NUL-terminated), a 32-bit uid, a one-byte Bool enabled.
 *
 * @param name the device's name, 1 to 31 printable ASCII characters without {@code ,} or {@code =},
 *     e.g. {@code ethernet0}, {@code ide1:0}
 * @param enabled whether it is connected
 */
public record RemovableDevice(String name, boolean enabled) {

  private static final int NAME_BYTES = 32;

  /** The devices of a VM unless its settings say otherwise: one network adapter, connected. */
  public static final ImmutableList<RemovableDevice> DEFAULTS =
      ImmutableList.of(new RemovableDevice("ethernet0", true));

  /** Checks the name. */
  public RemovableDevice {
    Preconditions.checkNotNull(name, "name");
    Preconditions.checkArgument(
        !name.isEmpty()
            && name.length() < NAME_BYTES
            && name.chars().allMatch(c -> c > ' ' && c < 0x7F && c != ',' && c != '='),
        "a device name is 1 to 31 printable ASCII characters without ',' or '=': \"%s\"",
        Printable.of(name));
  }

  /** This device with another state. */
  public RemovableDevice withEnabled(boolean value) {
    return new RemovableDevice(name, value);
  }

  /** The text form: {@code ethernet0=enabled,ide1:0=disabled}, or {@code none}. */
  public static String format(List<RemovableDevice> devices) {
    if (devices.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    for (RemovableDevice d : devices) {
      parts.add(d.name + "=" + (d.enabled ? "enabled" : "disabled"));
    }
    return String.join(",", parts);
  }

  /**
   * Reads the text form ({@link #format}).
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  public static ImmutableList<RemovableDevice> parse(String text) {
    if (text.equals("none")) {
      return ImmutableList.of();
    }
    ImmutableList.Builder<RemovableDevice> l = ImmutableList.builder();
    List<String> names = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      int eq = part.lastIndexOf('=');
      Preconditions.checkArgument(
          eq > 0, "\"%s\" is not NAME=enabled or NAME=disabled", Printable.of(part));
      String state = part.substring(eq + 1);
      Preconditions.checkArgument(
          state.equals("enabled") || state.equals("disabled"),
          "\"%s\" is not NAME=enabled or NAME=disabled",
          Printable.of(part));
      String name = part.substring(0, eq);
      Preconditions.checkArgument(!names.contains(name), "device %s named twice", name);
      names.add(name);
      l.add(new RemovableDevice(name, state.equals("enabled")));
    }
    return l.build();
  }
}
