package io.github.vmbackdoor.hostsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.HostAndPort;
import io.github.vmbackdoor.hostsim.guest.GuestRun;
import io.github.vmbackdoor.hostsim.guest.TestPrograms;
import io.github.vmbackdoor.hostsim.guest.Trap;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbackdoor guest}, as a user runs it: a JVM of its own (the program's output is the
 * command's), with VMware Tools as the program.
 */
class GuestCommandTest {

  @TempDir Path dir;

  TestPrograms.OpenVmTools tools;

  @BeforeEach
  void canTrap() {
    Trap.unavailableReason()
        .ifPresent(r -> TestPrograms.unavailable("this machine cannot trap: " + r));
    tools = TestPrograms.OpenVmTools.find();
  }

  /** {@code java ... Main ARGS} in a JVM of its own, with the tools' libraries on the path. */
  private GuestRun cli(List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    Path out = dir.resolve("cli.out");
    Path err = dir.resolve("cli.err");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment()
        .putAll(
            Map.of(
                "LD_LIBRARY_PATH",
                tools.libraryPath(),
                "TZ",
                "UTC",
                "PATH",
                tools.root().resolve("usr/bin") + ":" + System.getenv("PATH")));
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new GuestRun(List.of(args), p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private GuestRun cli(String... args) throws IOException, InterruptedException {
    return cli(List.of(), args);
  }

  @Test
  void runsAProgramAgainstAServeStartedWithServeOptions() throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("vms.properties"),
            "vm.lab.guestinfo.fromconfig=configured\nvm.lab.productType=workstation\n");

    GuestRun get =
        cli(
            "guest",
            "--vm",
            "lab",
            "--vm-config",
            config.toString(),
            "--",
            tools.bin("vmware-rpctool"),
            "info-get guestinfo.fromconfig");
    GuestRun product =
        cli(
            "guest",
            "--vm",
            "lab",
            "--vm-config",
            config.toString(),
            "--",
            tools.bin("vmware-checkvm"),
            "-p");

    assertThat(get.stdout()).isEqualTo("configured\n");
    assertThat(get.exitCode()).isZero();
    assertThat(get.stderr()).contains("serving VM lab");
    assertThat(product.stdout()).isEqualTo("Workstation\n");
  }

  @Test
  void theReadmeExampleSetsAndReadsAGuestinfoKey() throws Exception {
    GuestRun run =
        cli(
            "guest",
            "--",
            "sh",
            "-c",
            "vmware-rpctool \"info-set guestinfo.x hello\" && vmware-rpctool \"info-get guestinfo.x\"");

    assertThat(run.stdout()).isEqualTo("\nhello\n");
    assertThat(run.exitCode()).isZero();
  }

  @Test
  void withSpinBeforeParkTheTrapAndTheServeStartedHereBothSpinAndCallsAreAnswered()
      throws Exception {
    GuestRun run =
        cli(
            "guest",
            "--spin-before-park",
            "50us",
            "--log",
            dir.resolve("serve.log").toString(),
            "--",
            "sh",
            "-c",
            "vmware-rpctool \"info-set guestinfo.x spun\" && vmware-rpctool \"info-get guestinfo.x\"");

    assertThat(run.stdout()).isEqualTo("\nspun\n");
    assertThat(run.exitCode()).isZero();
    assertThat(run.stderr())
        .contains("I/O threads poll 50us after their last request before they sleep");
  }

  @Test
  void forwardsTheProgramsExitCode() throws Exception {
    assertThat(cli("guest", "--", "/bin/sh", "-c", "echo from the program; exit 7"))
        .extracting(GuestRun::exitCode, GuestRun::stdout)
        .containsExactly(7, "from the program\n");
  }

  @Test
  void connectsToARunningServeDrivenThroughItsAdminApi() throws Exception {
    try (RunningServe serve = new RunningServe("--admin-port", "0")) {
      HostAndPort admin = serve.admin();
      HttpResponse<String> put =
          HttpClient.newHttpClient()
              .send(
                  serve
                      .adminRequest(
                          admin, "PUT", "/vms/vm1/guestinfo/fromadmin", "set through the admin API")
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(200);

      GuestRun get =
          cli(
              "guest",
              "--connect",
              serve.host() + ":" + serve.port(),
              "--",
              tools.bin("vmware-rpctool"),
              "info-get guestinfo.fromadmin");

      assertThat(get.stdout()).isEqualTo("set through the admin API\n");
      assertThat(get.stderr()).isEmpty();
    }
  }

  @Test
  void aScenarioFaultIsSeenAsTheToolsDocumentItAndTheRecordedTraceReplays() throws Exception {
    Path cpt =
        Files.writeString(
            dir.resolve("cpt.scenario"),
            "scenario cpt-in-reply\nat 0s fault cpt protocol=rpci step=recv-hb nth=1 checkpoint\n");
    Path refuse =
        Files.writeString(
            dir.resolve("refuse.scenario"),
            "scenario refused-send\nat 0s fault refuse protocol=rpci step=sendsize nth=1 clear-success\n");
    Path traces = dir.resolve("traces");

    GuestRun retried =
        cli(
            "guest",
            "--scenario",
            cpt.toString(),
            "--record",
            traces.resolve("cpt").toString(),
            "--",
            tools.bin("vmware-rpctool"),
            "info-set guestinfo.a b");
    GuestRun refused =
        cli(
            "guest",
            "--scenario",
            refuse.toString(),
            "--record",
            traces.resolve("refuse").toString(),
            "--",
            tools.bin("vmware-rpctool"),
            "info-set guestinfo.a b");

    // lib/message/message.c starts a receive cut by a checkpoint again: the request succeeds
    assertThat(retried.exitCode()).as(retried.stderr()).isZero();
    // lib/rpcOut/rpcout.c: a refused send ends in the tools' own error text
    assertThat(refused.stderr()).endsWith("RpcOut: Unable to send the RPCI command\n");
    assertThat(refused.exitCode()).isEqualTo(1);
    for (String run : List.of("cpt", "refuse")) {
      List<Path> recorded;
      try (Stream<Path> files = Files.list(traces.resolve(run))) {
        recorded = files.sorted().toList();
      }
      assertThat(recorded).as(run).hasSize(1);
      String trace = Files.readString(recorded.get(0), StandardCharsets.UTF_8);
      // the checkpoint answers the first INS with the CPT status and the tools fetch the reply
      // again; the refused SENDSIZE leaves no payload to send
      long ins = trace.lines().filter(l -> l.contains("\"op\":\"ins\"")).count();
      long outs = trace.lines().filter(l -> l.contains("\"op\":\"outs\"")).count();
      assertThat(run.equals("cpt") ? List.of(ins, outs) : List.of(outs))
          .as(run)
          .isEqualTo(run.equals("cpt") ? List.of(2L, 1L) : List.of(0L));
      Cli replay = new Cli();
      assertThat(replay.run("replay", "--trace", recorded.get(0).toString()))
          .as("replay of %s: %s", run, replay)
          .isZero();
    }
  }

  @Test
  void whereTheMachineCannotTrapItSaysSoInOneLine() throws Exception {
    GuestRun run =
        cli(
            List.of("-D" + Trap.HELPER_PROPERTY + "=/nonexistent/helper"),
            "guest",
            "--",
            "/bin/true");

    assertThat(run.stderr())
        .isEqualTo(
            "vmbackdoor guest: this machine cannot trap: "
                + Trap.HELPER_PROPERTY
                + " names /nonexistent/helper, which is not an executable file\n");
    assertThat(run.exitCode()).isEqualTo(GuestRun.TRAP_FAILED);
  }

  @Test
  void usageErrorsComeBeforeAnyProgramRuns() {
    Cli cli = new Cli();
    assertThat(cli.run("guest", "--vm", "lab")).isEqualTo(Main.EXIT_USAGE);
    assertThat(cli.err()).contains("vmbackdoor guest: a program to run is required after --");
    assertThat(cli.run("guest", "--connect", "127.0.0.1:1", "--seed", "3", "--", "/bin/true"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(cli.err()).contains("--seed is an option of the serve started without --connect");
    assertThat(
            cli.run(
                "guest", "--connect", "127.0.0.1:1", "--spin-before-park", "2s", "--", "/bin/true"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(cli.err()).contains("--spin-before-park must be between 0s and 1s");
  }
}
