package io.github.vmbackdoor.core;

/**
 * {@link NativeBackdoor} does not run on this operating system or processor architecture; it
 * supports x86-64 Linux only and loads no machine code anywhere else.
 */
public final class UnsupportedPlatformException extends NoBackdoorException {
  private static final long serialVersionUID = 1L;

  private final String osName;
  private final String osArch;

  /**
   * @param osName the {@code os.name} found
   * @param osArch the {@code os.arch} found
   */
  public UnsupportedPlatformException(String osName, String osArch) {
    super(
        "unsupported platform for the native backdoor: os.name="
            + osName
            + ", os.arch="
            + osArch
            + " (supported: Linux on amd64/x86_64)");
    this.osName = osName;
    this.osArch = osArch;
  }

  /** The {@code os.name} found. */
  public String osName() {
    return osName;
  }

  /** The {@code os.arch} found. */
  public String osArch() {
    return osArch;
  }
}
