package io.github.vmbackdoor.hostsim.cli;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.Backdoor;
import io.github.vmbackdoor.core.BackdoorProtocol;
import io.github.vmbackdoor.core.CommandPort;
import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.core.MessageException;
import io.github.vmbackdoor.core.Registers;
import io.github.vmbackdoor.hostsim.server.RemoteBackdoor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What real guest code needs from {@code serve}, each over a socket against the real command. */
class ServeGuestsTest {

  /**
   * The host's maximum in these tests: the guest message limit ({@code guestMessageLimit}) of the
   * VMs they configure with it, above the 69,632 bytes one frame carries, so that messages of this
   * size go in 4-byte pieces.
   */
  private static final int HOSTS_MAXIMUM = 80_000;

  @TempDir Path dir;

  private static RemoteBackdoor guest(RunningServe serve) {
    return RemoteBackdoor.connect(serve.host(), serve.port(), "vm1");
  }

  private static String rpci(Backdoor backdoor, String request) {
    try (MessageChannel channel = MessageChannel.open(backdoor, PROTOCOL_RPCI)) {
      channel.send(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(channel.receive(), StandardCharsets.ISO_8859_1);
    }
  }

  /** A backdoor that counts the OUTS and INS transfers it passes on. */
  private static final class CountingTransfers implements Backdoor {
    private final Backdoor inner;
    final AtomicInteger outs = new AtomicInteger();
    final AtomicInteger ins = new AtomicInteger();

    CountingTransfers(Backdoor inner) {
      this.inner = inner;
    }

    @Override
    public Registers in(Registers registers) {
      return inner.in(registers);
    }

    @Override
    public Registers outs(Registers registers, byte[] bytes) {
      outs.incrementAndGet();
      return inner.outs(registers, bytes);
    }

    @Override
    public Registers ins(Registers registers, byte[] into) {
      ins.incrementAndGet();
      return inner.ins(registers, into);
    }
  }

  @Test
  void hostMessagesOfEverySizeReachAGuestThatFollowsTheHbBit() throws Exception {
    int[] sizes = {65_536, 69_632, 69_633, 70_000, HOSTS_MAXIMUM};
    StringBuilder config = new StringBuilder("vm.vm1.guestMessageLimit=" + HOSTS_MAXIMUM + "\n");
    for (int size : sizes) {
      config.append("vm.vm1.guestinfo.m").append(size).append('=');
      config.append("x".repeat(size - 2)).append('\n');
    }
    Path file = dir.resolve("vms.properties");
    Files.writeString(file, config);
    try (RunningServe serve = new RunningServe("--vm-config", file.toString());
        RemoteBackdoor remote = guest(serve)) {
      for (int size : sizes) {
        CountingTransfers guest = new CountingTransfers(remote);
        String reply = rpci(guest, "info-get guestinfo.m" + size);
        assertThat(reply).hasSize(size).startsWith("1 xxx");
        // One INS while a frame can carry it; above that the host's answer has no HB bit and
        // the guest takes the 4-byte path.
        assertThat(guest.ins.get()).as("INS for %s bytes", size).isEqualTo(size <= 69_632 ? 1 : 0);
      }
    }
  }

  @Test
  void guestMessagesUpToTheHostsMaximumAndNotOneByteMore() throws Exception {
    Path file = dir.resolve("limits.properties");
    Files.writeString(file, "vm.big.guestMessageLimit=" + HOSTS_MAXIMUM + "\n");
    try (RunningServe serve = new RunningServe("--vm-config", file.toString(), "--vm", "vm1")) {
      for (String vm : List.of("vm1", "big")) {
        int limit = vm.equals("vm1") ? BackdoorProtocol.MAX_GUEST_MESSAGE : HOSTS_MAXIMUM;
        try (RemoteBackdoor remote = RemoteBackdoor.connect(serve.host(), serve.port(), vm);
            MessageChannel channel = MessageChannel.open(remote, PROTOCOL_RPCI)) {
          String prefix = "info-set guestinfo.max ";
          String value = "v".repeat(limit - prefix.length());
          CountingTransfers guest = new CountingTransfers(remote);
          assertThat(rpci(guest, prefix + value)).as("%s: %s bytes", vm, limit).isEqualTo("1 ");
          // One OUTS while a frame can carry the message; above that the host's SENDSIZE answer
          // has no HB bit and the guest sends 4-byte pieces.
          assertThat(guest.outs.get()).isEqualTo(limit <= 69_632 ? 1 : 0);

          byte[] over = (prefix + value + "w").getBytes(StandardCharsets.ISO_8859_1);
          assertThatThrownBy(() -> channel.send(over))
              .as("%s: %s bytes", vm, limit + 1)
              .isInstanceOfSatisfying(
                  MessageException.class,
                  e -> {
                    assertThat(e.step()).isEqualTo(MessageException.Step.SENDSIZE);
                    assertThat(e.registers().ecx()).isZero();
                  });
          // Refused, nothing stored, and the channel still works.
          channel.send("info-get guestinfo.max".getBytes(StandardCharsets.ISO_8859_1));
          assertThat(new String(channel.receive(), StandardCharsets.ISO_8859_1))
              .isEqualTo("1 " + value);
        }
      }
    }
  }

  @Test
  void aDelayFaultHoldsOneAnswerBackWithoutBlockingOthers() throws Exception {
    Path file = dir.resolve("slow.scenario");
    Files.writeString(
        file, "scenario slow\nat 0 fault slow protocol=tclo step=open delay=1500ms\n");
    try (RunningServe serve = new RunningServe("--scenario", file.toString())) {
      serve.nextLine(); // serving VM vm1
      serve.nextLine(); // playing scenario
      try (RemoteBackdoor slow = guest(serve);
          RemoteBackdoor quick = guest(serve)) {
        long start = System.nanoTime();
        CompletableFuture<Registers> open =
            CompletableFuture.supplyAsync(
                () ->
                    slow.in(
                        Registers.builder()
                            .eax(0x564D5868)
                            .ebx(0x4F4C4354)
                            .ecx(0x0000001E)
                            .edx(0x5658)
                            .build()));
        // Meanwhile the other connection is answered at once, many times over.
        for (int i = 0; i < 50; i++) {
          assertThat(new CommandPort(quick).version().version()).isEqualTo(6);
          assertThat(rpci(quick, "info-set guestinfo.n " + i)).isEqualTo("1 ");
        }
        long quickDone = System.nanoTime() - start;
        Registers answer = open.get(10, TimeUnit.SECONDS);
        long slowDone = System.nanoTime() - start;
        assertThat(answer.ecxHigh()).isEqualTo(1);
        assertThat(Duration.ofNanos(slowDone)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        assertThat(quickDone).isLessThan(slowDone);
        // The slow connection's next call waits for nothing.
        assertThat(new CommandPort(slow).version().version()).isEqualTo(6);
      }
    }
  }

  @Test
  void aScenarioEveryMillisecondStartsAtOnceAndItsTimelineEnds() throws Exception {
    Path busy = dir.resolve("busy.scenario");
    Files.writeString(busy, "scenario busy\nrun 10h\nevery 1ms host-reset\n");
    // The classes serve loads once per JVM are loaded before the clock starts.
    new RunningServe().close();
    long start = System.nanoTime();
    try (RunningServe serve = new RunningServe("--scenario", busy.toString())) {
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
      try (RemoteBackdoor guest = guest(serve)) {
        assertThat(rpci(guest, "info-set guestinfo.a 1")).isEqualTo("1 ");
      }
    }
    Path brief = dir.resolve("brief.scenario");
    Files.writeString(brief, "scenario brief\nrun 1s\nevery 10ms until 200ms host-reset\n");
    try (RunningServe serve = new RunningServe("--scenario", brief.toString())) {
      assertThat(serve.nextLine()).isEqualTo("serving VM vm1");
      assertThat(serve.nextLine()).startsWith("playing scenario brief");
      assertThat(serve.narrated("timeline ended")).endsWith(" scenario brief: timeline ended");
    }
  }

  @Test
  void aConnectionHoldsAtMostItsShareOfTheChannelTable() throws Exception {
    try (RunningServe serve = new RunningServe("--channels-per-connection", "3");
        RemoteBackdoor greedy = guest(serve);
        RemoteBackdoor other = guest(serve)) {
      List<MessageChannel> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        held.add(MessageChannel.open(greedy, PROTOCOL_RPCI));
      }
      assertThatThrownBy(() -> MessageChannel.open(greedy, PROTOCOL_RPCI))
          .isInstanceOf(MessageException.class);
      assertThat(rpci(other, "info-set guestinfo.b 2")).isEqualTo("1 ");
      held.get(0).close();
      held.set(0, MessageChannel.open(greedy, PROTOCOL_RPCI));
    }
  }

  @Test
  void channelsCloseWithTheirConnectionUnlessAskedToStay() throws Exception {
    try (RunningServe serve = new RunningServe()) {
      try (RemoteBackdoor first = guest(serve)) {
        MessageChannel.open(first, PROTOCOL_RPCI); // never closed
      }
      // The server notices the disconnect on its own event loop: poll briefly for slot 0.
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      int id;
      do {
        try (RemoteBackdoor second = guest(serve);
            MessageChannel channel = MessageChannel.open(second, PROTOCOL_RPCI)) {
          id = channel.id();
        }
      } while (id != 0 && System.nanoTime() < deadline);
      assertThat(id).isZero();
    }
    try (RunningServe serve = new RunningServe("--no-close-channels-on-disconnect")) {
      try (RemoteBackdoor first = guest(serve)) {
        MessageChannel.open(first, PROTOCOL_RPCI);
      }
      try (RemoteBackdoor second = guest(serve);
          MessageChannel channel = MessageChannel.open(second, PROTOCOL_RPCI)) {
        assertThat(channel.id()).isEqualTo(1);
      }
    }
  }

  @Test
  void infoSetWithoutAValueIsRefused() throws Exception {
    try (RunningServe serve = new RunningServe();
        RemoteBackdoor guest = guest(serve)) {
      assertThat(rpci(guest, "info-set guestinfo.x"))
          .isEqualTo("0 Two and exactly two arguments expected");
      assertThat(rpci(guest, "info-get guestinfo.x")).isEqualTo("0 No value found");
    }
  }
}
