package io.github.vmbackdoor.hostsim.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * The command line run in this JVM as {@code java -jar vmbackdoor.jar} runs it, one command after
 * another: {@link #run} returns the exit code and keeps what the command wrote to standard output
 * and standard error until the next run. A {@code serve} that starts runs until the JVM ends; a
 * serve that must keep running while a test talks to it is a {@link RunningServe}.
 */
final class Cli {

  private Supplier<InputStream> stdin = () -> System.in;
  private int exit;
  private String out = "";
  private String err = "";

  /** Standard input of the runs from now on (what a file name {@code -} reads). */
  Cli stdin(byte[] bytes) {
    this.stdin = () -> new ByteArrayInputStream(bytes);
    return this;
  }

  /** Runs {@code args}; returns the exit code. */
  int run(String... args) {
    StringWriter output = new StringWriter();
    int code = run(output, args);
    out = output.toString();
    return code;
  }

  /** Runs {@code args} with standard output written to {@code output}; returns the exit code. */
  int run(Writer output, String... args) {
    StringWriter error = new StringWriter();
    out = "";
    exit =
        Main.run(
            stdin,
            new PrintWriter(output, true),
            new PrintWriter(error, true),
            new ServeCommand(new CountDownLatch(1)),
            args);
    err = error.toString();
    return exit;
  }

  /** The exit code of the last run. */
  int exit() {
    return exit;
  }

  /** What the last run wrote to standard output. */
  String out() {
    return out;
  }

  /** What the last run wrote to standard error. */
  String err() {
    return err;
  }

  /** The last run's exit code and output, for an assertion's description. */
  @Override
  public String toString() {
    return "exit " + exit + "; standard output:\n" + out + "\nstandard error:\n" + err;
  }
}
