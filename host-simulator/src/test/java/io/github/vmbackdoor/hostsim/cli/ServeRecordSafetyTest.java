package io.github.vmbackdoor.hostsim.cli;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.TraceCall;
import io.github.vmbackdoor.core.TraceReader;
import io.github.vmbackdoor.hostsim.VirtualHost;
import io.github.vmbackdoor.hostsim.scenario.HostReplay;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import io.github.vmbackdoor.rpc.RpciClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --record} cannot be turned against the files beside it, cannot fill a disk, never
 * fails a guest's call for a trace, and gives no guest a way to compute another's cookies.
 */
@Timeout(300)
class ServeRecordSafetyTest {

  @TempDir Path dir;

  private static List<Path> traces(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  private static void guest(RunningServe serve, int rpcis) throws Exception {
    try (RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
      RpciClient rpci = RpciClient.create(guest);
      for (int i = 0; i < rpcis; i++) {
        assertThat(rpci.log("call " + i).isSuccess()).as("call %s", i).isTrue();
      }
    }
  }

  private static int calls(Path trace) throws Exception {
    int n = 0;
    try (TraceReader reader = TraceReader.open(trace)) {
      for (TraceCall c = reader.next(); c != null; c = reader.next()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void aPlantedLinkIsNotFollowedAndARestartOverwritesNothing() throws Exception {
    Path precious = dir.resolve("precious.txt");
    Files.writeString(precious, "precious\n");
    Path records = Files.createDirectory(dir.resolve("records"));
    Files.createSymbolicLink(records.resolve("vm1-1.jsonl"), precious);
    try (RunningServe serve = new RunningServe("--record", records.toString())) {
      guest(serve, 3);
    }
    assertThat(Files.readString(precious)).isEqualTo("precious\n");
    assertThat(Files.isSymbolicLink(records.resolve("vm1-1.jsonl"))).isTrue();
    Path first = records.resolve("vm1-2.jsonl");
    assertThat(first).exists();
    byte[] firstBytes = Files.readAllBytes(first);
    if (Files.getFileStore(first).supportsFileAttributeView("posix")) {
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(first, LinkOption.NOFOLLOW_LINKS)))
          .as("a trace holds the cookie key")
          .isEqualTo("rw-------");
    }
    assertThat(HostReplay.replay(first).matches()).as("%s", HostReplay.replay(first)).isTrue();

    // a restart counts from 1 again: the names taken are skipped
    try (RunningServe serve = new RunningServe("--record", records.toString())) {
      guest(serve, 2);
    }
    assertThat(Files.readAllBytes(first)).isEqualTo(firstBytes);
    assertThat(Files.readString(precious)).isEqualTo("precious\n");
    Path second = records.resolve("vm1-3.jsonl");
    assertThat(HostReplay.replay(second).matches()).as("%s", HostReplay.replay(second)).isTrue();
  }

  @Test
  void aTraceStopsAtItsLimitAndTheGuestGoesOn() throws Exception {
    try (RunningServe serve =
        new RunningServe("--record", dir.toString(), "--record-limit", "8K,12K")) {
      guest(serve, 200);
      guest(serve, 50); // past the total: not recorded at all, still answered
      guest(serve, 5);
    }
    List<Path> traces = traces(dir);
    assertThat(traces).isNotEmpty();
    long total = 0;
    for (Path t : traces) {
      assertThat(Files.size(t)).isLessThanOrEqualTo(8 * 1024);
      total += Files.size(t);
      calls(t); // whole lines only: the reader takes every one
    }
    assertThat(total).isLessThanOrEqualTo(12 * 1024);
    assertThat(calls(traces.get(0))).isPositive().isLessThan(200 * 4);
  }

  private static boolean hasBash() {
    return Files.isExecutable(Path.of("/bin/bash"));
  }

  @Test
  void aFullDiskStopsTheRecordingWithOneLineAndNoCallFails() throws Exception {
    assumeTrue(hasBash(), "bash is not installed");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String command =
        "ulimit -f 16; exec '"
            + java
            + "' -Dorg.slf4j.simpleLogger.defaultLogLevel=info -cp '"
            + System.getProperty("java.class.path")
            + "' "
            + Main.class.getName()
            + " serve --port 0 --record '"
            + dir
            + "'";
    Path errors = dir.resolve("serve.err");
    Process serve =
        new ProcessBuilder("bash", "-c", command).redirectError(errors.toFile()).start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
      String listening = out.readLine();
      assertThat(listening).startsWith("listening on 127.0.0.1:");
      int port = Integer.parseInt(listening.substring(listening.lastIndexOf(':') + 1));
      for (int connection = 0; connection < 2; connection++) {
        try (RemoteBackdoor guest = RemoteBackdoor.connect("127.0.0.1", port, "vm1")) {
          RpciClient rpci = RpciClient.create(guest);
          for (int i = 0; i < 150; i++) {
            assertThat(rpci.log("call " + i).isSuccess()).as("call %s", i).isTrue();
          }
        }
      }
    } finally {
      serve.destroy();
      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    String err = Files.readString(errors);
    List<String> sizes = new ArrayList<>();
    for (Path t : traces(dir)) {
      sizes.add(t.getFileName() + "=" + Files.size(t));
    }
    assertThat(err.lines().filter(l -> l.contains("recording") && l.contains("stopped")))
        .as("stderr: %s; traces %s", err, sizes)
        .hasSize(2); // one line for each connection's trace, which the full disk stopped
    assertThat(err).doesNotContain("Exception");
    for (Path t : traces(dir)) {
      assertThat(Files.size(t)).isLessThanOrEqualTo(16 * 1024); // bash counts KiB
    }
  }

  /** The first cookies a host seeded with {@code seed} hands out, as the seeded PRF makes them. */
  private static Set<Long> seeded(long seed) {
    VirtualHost host = VirtualHost.builder().seed(seed).build();
    Set<Long> cookies = new HashSet<>();
    for (int i = 0; i < 64; i++) {
      MessageChannel c = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI);
      cookies.add(((long) c.cookieHigh() << 32) | (c.cookieLow() & 0xFFFFFFFFL));
      c.close();
    }
    return cookies;
  }

  @Test
  void servedCookiesAreNeverTheSeedsWithOrWithoutARecording() throws Exception {
    Set<Long> predicted = seeded(7);
    for (List<String> options :
        List.of(List.of("--seed", "7"), List.of("--seed", "7", "--record", dir.toString()))) {
      List<Long> served = new ArrayList<>();
      try (RunningServe serve = new RunningServe(options.toArray(new String[0]));
          RemoteBackdoor guest = RemoteBackdoor.connect(serve.host(), serve.port(), "vm1")) {
        for (int i = 0; i < 4; i++) {
          MessageChannel c = MessageChannel.open(guest, PROTOCOL_RPCI);
          served.add(((long) c.cookieHigh() << 32) | (c.cookieLow() & 0xFFFFFFFFL));
          c.close();
        }
      }
      assertThat(served).as("%s", options).doesNotContainAnyElementsOf(predicted);
    }
    // the recording still replays: its cookies came from the key its header keeps
    Path trace = traces(dir).get(0);
    try (TraceReader reader = TraceReader.open(trace)) {
      assertThat(reader.header().vm()).containsKey(HostReplay.COOKIE_KEY);
    }
    assertThat(HostReplay.replay(trace).matches()).as("%s", HostReplay.replay(trace)).isTrue();
  }
}
