package io.github.vmbackdoor.hostsim.guest;

import java.util.List;

/**
 * How a program run under the trap ended: its command line, its exit code (128 + N when signal N
 * ended it, as a shell reports it) and what it wrote (empty when its output was inherited).
 *
 * @param command the program and its arguments
 * @param exitCode the exit code
 * @param stdout what it wrote to standard output, as UTF-8
 * @param stderr what it and the trap wrote to standard error, as UTF-8
 */
public record GuestRun(List<String> command, int exitCode, String stdout, String stderr) {

  /** Exit code of a run the trap could not make (the reason is on standard error). */
  public static final int TRAP_FAILED = 125;

  /** A copy of the command; the rest as given. */
  public GuestRun {
    command = List.copyOf(command);
  }

  /** One line for a log or a failure message: the command, exit code and standard error. */
  public String summary() {
    return String.join(" ", command)
        + " -> exit "
        + exitCode
        + (stderr.isBlank() ? "" : ", stderr: " + stderr.strip().replace('\n', '|'));
  }
}
