package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.Durations;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The command line of the runnable jar, {@code java -jar vmbackdoor.jar}.
 *
 * <p>Subcommands, each with {@code --help}:
 *
 * <ul>
 *   <li>{@code serve [--port N] [--bind ADDR] [--vm NAME,...]}: runs a simulator server and prints
 *       {@code listening on HOST:PORT}; runs until stopped.
 *   <li>{@code demo}: the three TCLO machines through the same failures, in virtual time.
 *   <li>{@code replay --trace FILE} and {@code replay --scenario FILE [--machine M] [--hours N]}.
 *   <li>{@code import-log FILE [-o SCENARIO]}: a vmt(4) kernel log to a scenario.
 *   <li>{@code ctl --admin HOST:PORT VERB ...}: drives a running {@code serve} through its admin
 *       API.
 * </ul>
 *
 * <p>Exit codes: 0 success, 1 the job failed, 2 bad usage.
 */
@Command(
    name = "vmbackdoor",
    description =
        "VMware's guest backdoor RPC (command port, message channels, TCLO and RPCI), emulated.",
    synopsisSubcommandLabel = "COMMAND",
    footer = {"", "Exit codes: 0 success, 1 the job failed, 2 bad usage."})
public final class Main implements Callable<Integer> {

  /** Exit code of a job that failed. */
  static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  /** Exit code of a command line that could not be understood. */
  static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  private Main() {}

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    configureLogging();
    Charset console = Charset.defaultCharset();
    PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, console), true);
    PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, console), true);
    int code = run(out, err, new ServeCommand(), args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Runs the command line with these streams and this {@code serve} command; returns the exit code.
   */
  static int run(PrintWriter out, PrintWriter err, ServeCommand serve, String... args) {
    CommandLine commandLine =
        new CommandLine(new Main())
            .addSubcommand("serve", ServeCommand.commandLine(serve))
            .addSubcommand("demo", new DemoCommand())
            .addSubcommand("replay", new ReplayCommand())
            .addSubcommand("import-log", new ImportLogCommand())
            .addSubcommand("ctl", new CtlCommand())
            .registerConverter(Duration.class, Main::duration)
            .setOut(out)
            .setErr(err)
            .setExecutionExceptionHandler(
                (e, cl, parseResult) -> {
                  cl.getErr().println("vmbackdoor " + cl.getCommandName() + ": " + e.getMessage());
                  return EXIT_FAILURE;
                });
    return commandLine.execute(args);
  }

  /** A duration option, in the one duration grammar; a wrong one is a one-line usage error. */
  private static Duration duration(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  /** Without a subcommand there is nothing to do: show the usage, exit with 2. */
  @Override
  public Integer call() {
    spec.commandLine().getErr().println("vmbackdoor: a command is required");
    spec.commandLine().usage(spec.commandLine().getErr());
    return EXIT_USAGE;
  }

  /** Log lines of the server (one per rejected connection) go to stderr with a time stamp. */
  private static void configureLogging() {
    setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.log.io.netty", "warn");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
