package io.github.vmbackdoor.hostsim.cli;

import io.github.vmbackdoor.hostsim.internal.Durations;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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
 *   <li>{@code scenarios [NAME]}: the built-in scenarios ({@code builtin:NAME} wherever a scenario
 *       file is taken), or one as a scenario file.
 *   <li>{@code ctl --admin HOST:PORT VERB ...}: drives a running {@code serve} through its admin
 *       API.
 *   <li>{@code guest [--vm NAME] [--connect HOST:PORT | serve options] -- PROGRAM ARGS...}: runs an
 *       unmodified program (VMware Tools) under the trap against a simulated VM.
 * </ul>
 *
 * <p>Exit codes: 0 success, 1 the job failed, 2 bad usage.
 */
@Command(
    name = Main.COMMAND,
    description =
        "VMware's guest backdoor RPC (command port, message channels, TCLO and RPCI), emulated.",
    synopsisSubcommandLabel = "COMMAND",
    versionProvider = BuildVersion.class,
    footer = {"", "Exit codes: 0 success, 1 the job failed, 2 bad usage."})
public final class Main implements Callable<Integer> {

  /** The command as a user types it; help and usage errors name it so. */
  static final String COMMAND = "java -jar vmbackdoor.jar";

  /** Exit code of a job that failed. */
  static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  /** Exit code of a command line that could not be understood. */
  static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  @Option(
      names = {"-V", "--version"},
      versionHelp = true,
      description = "Print the version and exit.")
  private boolean version;

  private Main() {}

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    configureLogging();
    Charset console = Charset.defaultCharset();
    // Not System.out: a PrintStream hides write errors (a full disk) from checkError below.
    PrintWriter out =
        new PrintWriter(
            new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), console), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, console), true);
    int code = run(() -> System.in, out, err, new ServeCommand(), args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Runs the command line with these streams and this {@code serve} command; returns the exit code.
   */
  static int run(PrintWriter out, PrintWriter err, ServeCommand serve, String... args) {
    return run(() -> System.in, out, err, serve, args);
  }

  /**
   * Runs the command line with this standard input (for the file name {@code -}), these output
   * streams and this {@code serve} command; returns the exit code. An output that cannot be written
   * fails the run (exit 1) with one line on {@code err}.
   */
  static int run(
      Supplier<InputStream> stdin,
      PrintWriter out,
      PrintWriter err,
      ServeCommand serve,
      String... args) {
    TextInput input = new TextInput(stdin);
    serve.input(input);
    GuestCommand guest = new GuestCommand(input);
    String[] line = guest.takeProgram(args);
    CommandLine commandLine =
        new CommandLine(new Main())
            .addSubcommand("serve", ServeCommand.commandLine(serve))
            .addSubcommand("demo", new DemoCommand())
            .addSubcommand("replay", new ReplayCommand(input))
            .addSubcommand("import-log", new ImportLogCommand(input))
            .addSubcommand("scenarios", new ScenariosCommand())
            .addSubcommand("ctl", new CtlCommand())
            .addSubcommand("guest", GuestCommand.commandLine(guest))
            .addSubcommand("help", new CommandLine.HelpCommand())
            .registerConverter(Duration.class, Main::duration)
            .registerConverter(InetAddress.class, Main::address)
            .setOut(out)
            .setErr(err)
            .setParameterExceptionHandler(Main::usageError)
            .setExecutionExceptionHandler(
                (e, cl, parseResult) -> {
                  cl.getErr().println(prefix(cl) + ": " + e.getMessage());
                  return EXIT_FAILURE;
                });
    int code = commandLine.execute(line);
    if (out.checkError()) {
      err.println("vmbackdoor: cannot write standard output");
      err.flush();
      return code == 0 ? EXIT_FAILURE : code;
    }
    return code;
  }

  /** A usage error: one line saying what is wrong, one line saying where the help is. */
  static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    String message = String.valueOf(e.getMessage()).strip();
    int newline = message.indexOf('\n');
    err.println(prefix(cl) + ": " + (newline < 0 ? message : message.substring(0, newline)));
    err.println("see '" + cl.getCommandSpec().qualifiedName() + " --help'");
    err.flush();
    return EXIT_USAGE;
  }

  /** The start of the command's one-line messages: {@code vmbackdoor replay}. */
  static String prefix(CommandLine cl) {
    return cl.getParent() == null ? "vmbackdoor" : "vmbackdoor " + cl.getCommandName();
  }

  /** A duration option, in the one duration grammar; a wrong one is a one-line usage error. */
  static Duration duration(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  /** An address option: an IP address or a host name; a wrong one is a one-line usage error. */
  static InetAddress address(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new CommandLine.TypeConversionException(
          "'" + text + "' is neither an IP address nor a host name this machine knows");
    }
  }

  /** Without a subcommand there is nothing to do: a usage error, exit 2. */
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), commandRequired(spec.commandLine()));
  }

  /** The message when no command is given: every subcommand of {@code cl}, in order. */
  static String commandRequired(CommandLine cl) {
    List<String> names = List.copyOf(cl.getSubcommands().keySet());
    int last = names.size() - 1;
    return "a command is required: "
        + (last <= 0
            ? String.join("", names)
            : String.join(", ", names.subList(0, last)) + " or " + names.get(last));
  }

  /** Log lines of the server (one per rejected connection) go to stderr with a time stamp. */
  private static void configureLogging() {
    setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.log.io.netty", "warn");
    // serve prints its narration itself (stderr or --log, text or JSON), so not twice
    setIfAbsent("org.slf4j.simpleLogger.log." + Narration.LOGGER, "warn");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
