package io.github.vmbackdoor.core;

/**
 * No VMware backdoor answers here: the command port gave the "nobody home" answer (eax all ones),
 * something other than a VMware host answered GETVERSION (no magic echo in ebx), or the native
 * transport refused to try at all ({@link NotVmwareException}, {@link
 * UnsupportedPlatformException}).
 *
 * <p>Catch this one type to mean "run without the backdoor".
 */
public class NoBackdoorException extends BackdoorException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what was found instead of a backdoor
   */
  public NoBackdoorException(String message) {
    super(message);
  }

  /**
   * @param message what was found instead of a backdoor
   * @param cause the failure that showed it
   */
  public NoBackdoorException(String message, Throwable cause) {
    super(message, cause);
  }
}
