package io.github.vmbackdoor.hostsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.hostsim.admin.AdminToken;
import io.github.vmbackdoor.hostsim.internal.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ctl --admin HOST:PORT VERB ...}: drives a running {@code serve} through its admin API
 * (docs/admin-api.md), so a shell script can inject faults, checkpoint, read guestinfo and calls.
 * Prints the server's JSON reply, one line; a refusal is one line on stderr and exit code 1.
 */
@Command(
    name = "ctl",
    description = {
      "Drives a running 'serve --admin-port N' through its admin API (docs/admin-api.md).",
      "Prints each reply as one line of JSON. Host events are the words of a scenario file's"
          + " timeline (docs/scenario-format.md)."
    },
    synopsisSubcommandLabel = "VERB",
    subcommands = {
      CtlCommand.Vms.class,
      CtlCommand.Event.class,
      CtlCommand.Checkpoint.class,
      CtlCommand.Fault.class,
      CtlCommand.Tclo.class,
      CtlCommand.GuestInfo.class,
      CtlCommand.Guest.class,
      CtlCommand.Calls.class,
      CtlCommand.Rpci.class,
      CtlCommand.Take.class,
      CtlCommand.Reset.class,
      CtlCommand.PlayScenario.class
    },
    footer = {
      "",
      "Exit codes: 0 done, 1 the server refused the request or could not be reached, 2 bad usage."
    })
final class CtlCommand implements Callable<Integer> {

  /** How often {@code calls --follow} asks for new calls. */
  static final Duration FOLLOW_PERIOD = Duration.ofMillis(250);

  @Spec private CommandSpec spec;

  @Mixin private HelpOption help;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      description =
          "Where the admin API listens (what serve printed after 'admin API on'); every verb"
              + " but --help needs it.")
  private String admin;

  @Option(
      names = "--admin-token",
      paramLabel = "TOKEN",
      description =
          "The admin API's token (default: $VMBACKDOOR_ADMIN_TOKEN, else the token file).")
  private String token;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      description =
          "The file serve wrote its token to (default: ~/.vmbackdoor/admin-<port>.token for the"
              + " port of --admin).")
  private Path tokenFile;

  @Option(
      names = "--reply-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description =
          "How long to wait for a whole reply (besides take's own wait); a reply is at most 64"
              + " MiB (default: ${DEFAULT-VALUE}).")
  private Duration timeout;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("vmbackdoor ctl: a verb is required");
    spec.commandLine().usage(spec.commandLine().getErr());
    return Main.EXIT_USAGE;
  }

  /** Sends one request and prints its reply; returns the exit code. */
  int send(CommandSpec verb, String method, String path, String body) {
    return send(verb, method, path, body, Duration.ZERO);
  }

  int send(CommandSpec verb, String method, String path, String body, Duration wait) {
    PrintWriter out = verb.commandLine().getOut();
    try {
      JsonNode reply = client(verb).call(method, path, body, wait);
      out.println(reply);
      out.flush();
      return 0;
    } catch (AdminClient.AdminCallException e) {
      return fail(verb, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(verb, "interrupted");
    }
  }

  private static String brief(JsonNode reply) {
    String text = reply.toString();
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  AdminClient client(CommandSpec verb) throws AdminClient.AdminCallException {
    if (admin == null) {
      // Not a required option, so that each verb's --help works without it.
      throw new CommandLine.ParameterException(
          verb.commandLine(),
          "--admin HOST:PORT is required (where serve's admin API listens: what it printed after"
              + " 'admin API on')");
    }
    HostAndPort where;
    try {
      where = HostAndPort.fromString(admin).requireBracketsForIPv6();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          verb.commandLine(), "--admin is HOST:PORT, not '" + admin + "'");
    }
    if (!where.hasPort()) {
      throw new CommandLine.ParameterException(
          verb.commandLine(), "--admin is HOST:PORT, not '" + admin + "' (no port)");
    }
    return new AdminClient(where, token(where.getPort()), timeout);
  }

  /** The token: --admin-token, $VMBACKDOOR_ADMIN_TOKEN, --admin-token-file or serve's default. */
  private String token(int port) throws AdminClient.AdminCallException {
    if (token != null) {
      return token;
    }
    String env = System.getenv("VMBACKDOOR_ADMIN_TOKEN");
    if (env != null && !env.isBlank() && tokenFile == null) {
      return env.strip();
    }
    Path file = tokenFile != null ? tokenFile : AdminToken.defaultFile(port);
    try {
      return AdminToken.read(file);
    } catch (IOException e) {
      throw new AdminClient.AdminCallException(
          "no admin token: cannot read "
              + file
              + " (give --admin-token, $VMBACKDOOR_ADMIN_TOKEN or --admin-token-file)");
    }
  }

  static int fail(CommandSpec verb, String message) {
    verb.commandLine().getErr().println("vmbackdoor ctl: " + message);
    verb.commandLine().getErr().flush();
    return Main.EXIT_FAILURE;
  }

  static String vmPath(String vm) {
    return "/vms/" + AdminClient.segment(vm);
  }

  /** A verb: knows its parent, which knows where the admin API is. */
  abstract static class Verb implements Callable<Integer> {
    @Spec CommandSpec spec;
    @ParentCommand CtlCommand ctl;
    @Mixin HelpOption help;
  }

  @Command(name = "vms", description = "Lists the VMs, their channels and installed faults.")
  static final class Vms extends Verb {
    @Override
    public Integer call() {
      return ctl.send(spec, "GET", "/vms", null);
    }
  }

  @Command(
      name = "event",
      description =
          "Triggers a host event: the words of a scenario file's 'at' line after its time.")
  static final class Event extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "WORD")
    List<String> words;

    @Override
    public Integer call() {
      return ctl.send(spec, "POST", vmPath(vm) + "/events", String.join(" ", words));
    }
  }

  @Command(name = "checkpoint", description = "Checkpoints the VM (suspend and resume).")
  static final class Checkpoint extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Override
    public Integer call() {
      return ctl.send(spec, "POST", vmPath(vm) + "/events", "checkpoint");
    }
  }

  @Command(
      name = "fault",
      description = {
        "Installs a named fault: NAME [MATCH...] ACTION, as in a scenario file's 'fault' event;"
            + " --remove NAME removes it.",
        "Example: fault vm1 cpt protocol=rpci step=recvsize nth=1 checkpoint"
      })
  static final class Fault extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "WORD")
    List<String> words;

    @Option(names = "--remove", description = "Remove the fault NAME instead.")
    boolean remove;

    @Override
    public Integer call() {
      String keyword = remove ? "remove-fault " : "fault ";
      return ctl.send(spec, "POST", vmPath(vm) + "/events", keyword + String.join(" ", words));
    }
  }

  @Command(name = "tclo", description = "Queues a host command on the VM's TCLO channel.")
  static final class Tclo extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "WORD")
    List<String> words;

    @Override
    public Integer call() {
      return ctl.send(spec, "POST", vmPath(vm) + "/events", "tclo " + String.join(" ", words));
    }
  }

  @Command(
      name = "guestinfo",
      description =
          "Reads a guestinfo value, or with VALUE writes it (KEY with or without 'guestinfo.').")
  static final class GuestInfo extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Parameters(index = "2", arity = "0..1", paramLabel = "VALUE")
    String value;

    @Override
    public Integer call() {
      String path = vmPath(vm) + "/guestinfo/" + AdminClient.segment(key);
      return value == null ? ctl.send(spec, "GET", path, null) : ctl.send(spec, "PUT", path, value);
    }
  }

  @Command(
      name = "guest",
      description =
          "Prints the host's view of the guest, named as vSphere's GuestInfo: tools running,"
              + " version, OS, host name, IP addresses, disks.")
  static final class Guest extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Override
    public Integer call() {
      return ctl.send(spec, "GET", vmPath(vm) + "/guest", null);
    }
  }

  @Command(
      name = "calls",
      description =
          "Prints the VM's recent backdoor calls; --follow keeps printing new ones, one a line,"
              + " until stopped.")
  static final class Calls extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Option(names = "--since", paramLabel = "N", description = "Only calls after call N.")
    long since;

    @Option(names = "--follow", description = "Keep printing new calls until stopped.")
    boolean follow;

    @Override
    public Integer call() throws InterruptedException {
      if (!follow) {
        return ctl.send(spec, "GET", vmPath(vm) + "/calls?since=" + since, null);
      }
      AdminClient client;
      try {
        client = ctl.client(spec);
      } catch (AdminClient.AdminCallException e) {
        return fail(spec, e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      long cursor = since;
      while (true) {
        JsonNode reply;
        try {
          reply = client.call("GET", vmPath(vm) + "/calls?since=" + cursor, null, Duration.ZERO);
        } catch (AdminClient.AdminCallException e) {
          return fail(spec, e.getMessage());
        }
        JsonNode calls = reply.get("calls");
        JsonNode next = reply.get("next");
        if (calls == null || !calls.isArray() || next == null || !next.canConvertToLong()) {
          return fail(spec, "the admin API answered without 'calls' and 'next': " + brief(reply));
        }
        for (JsonNode c : calls) {
          out.println(c);
        }
        out.flush();
        cursor = next.asLong();
        Thread.sleep(FOLLOW_PERIOD.toMillis());
      }
    }
  }

  @Command(name = "rpci", description = "Prints the RPCI requests the VM received.")
  static final class Rpci extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Option(names = "--since", paramLabel = "N", description = "Only requests after request N.")
    long since;

    @Override
    public Integer call() {
      return ctl.send(spec, "GET", vmPath(vm) + "/rpci?since=" + since, null);
    }
  }

  @Command(
      name = "take",
      description =
          "Takes the next RPCI request not taken yet, waiting for it up to --timeout (exit 1"
              + " when none came).")
  static final class Take extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        defaultValue = "10s",
        description = "How long to wait (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
      return ctl.send(
          spec,
          "GET",
          vmPath(vm) + "/rpci/take?timeout=" + Durations.format(timeout),
          null,
          timeout);
    }
  }

  @Command(name = "reset", description = "Replaces the VM's host by a fresh one (a power cycle).")
  static final class Reset extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Override
    public Integer call() {
      return ctl.send(spec, "POST", vmPath(vm) + "/reset", null);
    }
  }

  @Command(name = "scenario", description = "Plays a scenario file's timeline on the VM, from now.")
  static final class PlayScenario extends Verb {
    @Parameters(index = "0", paramLabel = "VM")
    String vm;

    @Parameters(
        index = "1",
        paramLabel = "FILE",
        description =
            "The scenario file (- for standard input; builtin:NAME for a built-in one, listed by the"
                + " scenarios command).")
    Path file;

    @Override
    public Integer call() {
      String text;
      try {
        text = new TextInput(() -> System.in).readScenario(file).joined();
      } catch (IOException e) {
        return fail(spec, "cannot read " + file + ": " + TextInput.reason(e));
      }
      return ctl.send(spec, "POST", vmPath(vm) + "/scenario", text);
    }
  }
}
