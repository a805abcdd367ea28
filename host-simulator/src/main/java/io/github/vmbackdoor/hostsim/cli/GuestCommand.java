package io.github.vmbackdoor.hostsim.cli;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.hostsim.guest.GuestProcess;
import io.github.vmbackdoor.hostsim.guest.GuestRun;
import io.github.vmbackdoor.hostsim.guest.RealGuest;
import io.github.vmbackdoor.hostsim.guest.Trap;
import io.github.vmbackdoor.hostsim.internal.VmName;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code guest}: runs an unmodified program under the trap against a simulated VM, either of a
 * {@code serve} started in this process with the options given (the same code and options as {@code
 * serve}) or of a running {@code serve} ({@code --connect}); exits with the program's exit code.
 */
@Command(
    name = "guest",
    description = {
      "Runs an unmodified Linux x86-64 program (VMware Tools: vmware-rpctool, vmtoolsd, ...)"
          + " against a simulated VM.",
      "The program runs under a trap that answers its backdoor instructions from the simulator,"
          + " in a sandbox that keeps it from writing system files, halting, rebooting or"
          + " re-clocking this machine (docs/real-guests.md). Without --connect a simulator is"
          + " started in this process; any option of 'serve' (--vm-config, --scenario, --record,"
          + " --admin-port, --seed, ...) configures it, and its banner goes to standard error."
    },
    synopsisHeading = "Usage: ",
    customSynopsis = {
      "java -jar vmbackdoor.jar guest [--vm NAME] [--writable DIR]... [--spin-before-park DURATION] "
          + "[--no-shared-memory] [--connect HOST:PORT | SERVE-OPTIONS] -- PROGRAM [ARGS...]"
    },
    sortOptions = false,
    footer = {
      "",
      "Exit codes: the program's own (128 + N when signal N ended it); 125 the trap could not run"
          + " (this machine cannot trap, the simulator went away), 126 the program could not be"
          + " executed, 127 it was not found; 2 bad usage, before the program ran."
    })
final class GuestCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  @Option(
      names = "--vm",
      paramLabel = "NAME",
      description =
          "The VM the program runs in (default: vm1); served by the simulator started here.")
  private String vm;

  @Option(
      names = "--connect",
      paramLabel = "HOST:PORT",
      description = "Use the running 'serve' at HOST:PORT instead of starting one here.")
  private String connect;

  @Option(
      names = "--writable",
      paramLabel = "DIR",
      description =
          "A directory the program may write; everything else but its private scratch directory"
              + " is read-only to it. Repeatable.")
  private List<Path> writable = new ArrayList<>();

  @Option(
      names = "--no-shared-memory",
      description =
          "Calls go over the simulator's TCP socket even where it is on this machine (by default"
              + " the trap offers it a shared-memory region, answered by a polling thread).")
  private boolean noSharedMemory;

  /** The trap's, and the serve's started here; with --connect, the trap's only. */
  @Mixin private SpinBeforeParkOption spinBeforePark;

  /** The options this command does not know: those of the serve started here. */
  @Unmatched private List<String> serveOptions = new ArrayList<>();

  private final TextInput input;
  private List<String> program = List.of();

  GuestCommand(TextInput input) {
    this.input = input;
  }

  /** {@code guest} as picocli runs it. */
  static CommandLine commandLine(GuestCommand guest) {
    return new CommandLine(guest);
  }

  /**
   * Takes the program and its arguments, everything after the first {@code --} of a {@code guest}
   * command line, so that picocli never reads them as options; returns the rest.
   */
  String[] takeProgram(String[] args) {
    if (args.length == 0 || !args[0].equals("guest")) {
      return args;
    }
    int dashes = Arrays.asList(args).indexOf("--");
    if (dashes < 0) {
      return args;
    }
    program = List.of(Arrays.copyOfRange(args, dashes + 1, args.length));
    return Arrays.copyOf(args, dashes);
  }

  @Override
  public Integer call() throws InterruptedException {
    CommandLine commandLine = spec.commandLine();
    PrintWriter err = commandLine.getErr();
    if (program.isEmpty()) {
      throw new CommandLine.ParameterException(
          commandLine,
          "a program to run is required after --: guest [OPTIONS] -- PROGRAM [ARGS...]");
    }
    String vmName = vm != null ? vm : "vm1";
    VmName.problem(vmName)
        .ifPresent(
            p -> {
              throw new CommandLine.ParameterException(commandLine, "--vm: " + p);
            });
    spinBeforePark.check(commandLine);
    HostAndPort server = null;
    if (connect != null) {
      if (!serveOptions.isEmpty()) {
        throw new CommandLine.ParameterException(
            commandLine,
            "--connect uses a running serve, configured there: "
                + serveOptions.get(0)
                + " is an option of the serve started without --connect");
      }
      try {
        server = HostAndPort.fromString(connect).requireBracketsForIPv6();
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(commandLine, "--connect: " + e.getMessage());
      }
      if (!server.hasPort()) {
        throw new CommandLine.ParameterException(
            commandLine, "--connect wants HOST:PORT, not " + connect);
      }
    }
    Optional<String> reason = Trap.unavailableReason();
    if (reason.isPresent()) {
      err.println("vmbackdoor guest: this machine cannot trap: " + reason.get());
      return GuestRun.TRAP_FAILED;
    }
    EmbeddedServe serve = null;
    if (server == null) {
      serve = new EmbeddedServe(vmName, serveOptions, spinBeforePark.value(), input, err);
      Optional<Integer> failed = serve.start();
      if (failed.isPresent()) {
        return failed.get();
      }
      InetSocketAddress a = serve.address();
      server = HostAndPort.fromParts(a.getAddress().getHostAddress(), a.getPort());
    }
    RealGuest.Builder builder =
        RealGuest.builder(server, vmName)
            .inheritIo(true)
            .spinBeforePark(spinBeforePark.value())
            .sharedMemory(!noSharedMemory);
    writable.forEach(builder::writable);
    try (RealGuest guest = builder.build()) {
      GuestProcess process = guest.start(program);
      Thread hook = new Thread(() -> process.stop(Duration.ofSeconds(10)), "vmbackdoor-guest-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      GuestRun run = process.waitFor();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook stops the program
      }
      return run.exitCode();
    } finally {
      if (serve != null) {
        serve.stop();
      }
    }
  }

  /** The serve of a {@code guest} without {@code --connect}: the serve command on a thread. */
  private static final class EmbeddedServe {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
    private final CompletableFuture<Integer> ended = new CompletableFuture<>();
    private final ServeCommand serve = new ServeCommand(stop);
    private final CommandLine line;
    private final List<String> args = new ArrayList<>();
    private final PrintWriter err;
    private Thread thread;

    EmbeddedServe(
        String vmName, List<String> options, Duration spin, TextInput input, PrintWriter err) {
      this.err = err;
      serve.input(input);
      serve.onListening(listening::complete);
      line =
          ServeCommand.commandLine(serve)
              .registerConverter(Duration.class, Main::duration)
              .setOut(err)
              .setErr(err);
      args.addAll(options);
      if (!spin.isZero()) {
        args.add("--spin-before-park");
        args.add(spin.toNanos() + "ns");
      }
      args.add("--vm");
      args.add(vmName);
      // The program's own output is what a guest run shows; serve narrates only when asked to.
      if (options.stream()
          .noneMatch(o -> o.startsWith("--log") || o.equals("--json-log") || o.equals("--quiet"))) {
        args.add("--quiet");
      }
    }

    /** Starts serve; empty once it listens, or the exit code when it could not start. */
    Optional<Integer> start() throws InterruptedException {
      try {
        line.parseArgs(args.toArray(new String[0]));
      } catch (CommandLine.ParameterException e) {
        return Optional.of(usage(e));
      }
      thread =
          new Thread(
              () -> {
                try {
                  ended.complete(serve.call());
                } catch (Throwable t) {
                  ended.completeExceptionally(t);
                }
              },
              "vmbackdoor-guest-serve");
      thread.setDaemon(true);
      thread.start();
      try {
        CompletableFuture.anyOf(listening, ended).get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof CommandLine.ParameterException p) {
          return Optional.of(usage(p));
        }
        err.println("vmbackdoor guest: the simulator did not start: " + e.getCause().getMessage());
        return Optional.of(GuestRun.TRAP_FAILED);
      }
      if (!listening.isDone()) {
        int code = ended.getNow(GuestRun.TRAP_FAILED);
        return Optional.of(code == 0 ? GuestRun.TRAP_FAILED : code);
      }
      return Optional.empty();
    }

    private int usage(CommandLine.ParameterException e) {
      String message = String.valueOf(e.getMessage()).strip();
      int newline = message.indexOf('\n');
      err.println("vmbackdoor guest: " + (newline < 0 ? message : message.substring(0, newline)));
      err.println(
          "see '" + Main.COMMAND + " guest --help' and '" + Main.COMMAND + " serve --help'");
      err.flush();
      return Main.EXIT_USAGE;
    }

    InetSocketAddress address() {
      return listening.getNow(null);
    }

    void stop() throws InterruptedException {
      stop.countDown();
      if (thread != null) {
        thread.join(10_000);
      }
    }
  }
}
