package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_CLOSE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVPAYLOAD;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_RECVSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_TCLO;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every line a vmt machine prints is a message of {@link VmtMessage}, the vocabulary the host
 * simulator's log importer reads: each machine of each flavor is driven through every command and
 * through random refusals of every message call, and each line it prints must be found there.
 */
class VmtVocabularyTest {

  private static final int[] CALLS = {
    MESSAGE_OPEN, MESSAGE_SENDSIZE, MESSAGE_RECVSIZE, MESSAGE_RECVPAYLOAD, MESSAGE_CLOSE
  };

  private static final List<String> COMMANDS =
      List.of(
          "reset",
          "ping",
          "OS_PowerOn",
          "OS_Suspend",
          "OS_Resume",
          "Capabilities_Register",
          "Set_Option broadcastIP 1",
          "vmbackup.start 1",
          "vmbackup.start 1",
          "vmbackup.snapshotDone",
          "vmbackup.snapshotDone",
          "vmbackup.abort",
          "vmbackup.abort",
          "no such command",
          "OS_Reboot");

  static Stream<Arguments> machines() {
    return Stream.of(TcloMachines.LEGACY, TcloMachines.PROPOSED_PATCH)
        .flatMap(m -> Stream.of(VmtFlavor.values()).map(f -> Arguments.of(m, f)));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("machines")
  void everyLinePrintedIsInTheVocabulary(TcloMachines factory, VmtFlavor flavor) {
    List<String> printed = printed(factory, flavor);
    assertThat(printed).isNotEmpty();
    assertThat(printed)
        .allSatisfy(
            line ->
                assertThat(message(line))
                    .as("the vocabulary's message for <%s>", line)
                    .isPresent());
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("machines")
  void failuresAreWordedAsTheImporterReadsThem(TcloMachines factory, VmtFlavor flavor) {
    List<String> printed = printed(factory, flavor);
    assertThat(printed.stream().map(VmtVocabularyTest::message).flatMap(Optional::stream))
        .anyMatch(VmtMessage::carriesRegisters)
        .anyMatch(m -> m.prefix() == VmtMessage.Prefix.DEVICE && m.words().contains("fail"));
  }

  /** What twenty runs with different refusals print. */
  private static List<String> printed(TcloMachines factory, VmtFlavor flavor) {
    List<String> printed = new ArrayList<>();
    for (long seed = 1; seed <= 20; seed++) {
      printed.addAll(run(factory, flavor, new Random(seed)));
    }
    return printed;
  }

  /** One run: attach, then the commands, with refusals sprinkled over the message calls. */
  private static List<String> run(TcloMachines factory, VmtFlavor flavor, Random random) {
    FakeHost host = new FakeHost();
    Recorder rec = new Recorder();
    TcloOptions options =
        TcloOptions.defaults()
            .withFlavor(flavor)
            .withGuestIp("192.0.2.7")
            .withUptime(() -> Duration.ofSeconds(90));
    TcloStateMachine machine = Machines.create(factory, host, options, rec);
    host.tcloCommands.addAll(COMMANDS);
    for (int tick = 0; tick < 400; tick++) {
      if (random.nextInt(8) == 0) {
        int protocol = random.nextBoolean() ? PROTOCOL_TCLO : PROTOCOL_RPCI;
        host.failNext(protocol, CALLS[random.nextInt(CALLS.length)], 0, 1 + random.nextInt(3));
      }
      machine.tick();
    }
    machine.shutdown();
    return rec.lines;
  }

  /** The message a printed line is, read as the importer reads it (prefix, then the words). */
  private static Optional<VmtMessage> message(String line) {
    if (line.startsWith("vmware: ")) {
      return VmtMessage.match(VmtMessage.Prefix.VMWARE, line.substring("vmware: ".length()));
    }
    if (line.startsWith("vmt0: ")) {
      String body = line.substring("vmt0: ".length());
      // OpenBSD 1.32 prints some messages without a newline: the next one runs into them.
      return VmtMessage.match(VmtMessage.Prefix.DEVICE, body);
    }
    if (line.startsWith(": ")) {
      return VmtMessage.match(VmtMessage.Prefix.DEVICE, line.substring(2));
    }
    return VmtMessage.match(VmtMessage.Prefix.NONE, line);
  }
}
