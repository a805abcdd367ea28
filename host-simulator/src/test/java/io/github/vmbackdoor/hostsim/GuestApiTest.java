package io.github.vmbackdoor.hostsim;

import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.vmbackdoor.core.MessageChannel;
import io.github.vmbackdoor.hostsim.settings.GuestApiValues;
import io.github.vmbackdoor.hostsim.settings.HostProfile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Guest API as open-vm-tools' libguestlib reads it (vmGuestLib.c {@code VMGuestLibUpdateInfo}):
 * {@code guestlib.info.get 3} sent without a NUL ({@code RpcChannel_SendOne}), the reply's header
 * read little-endian from memory, the statistics as XDR, each with its id in order from 1; what
 * {@code vmware-toolbox-cmd stat balloon}, {@code stat memres} and {@code stat sessionid} print.
 */
class GuestApiTest {

  private static byte[] rpci(VirtualHost host, String request) {
    try (MessageChannel ch = MessageChannel.open(host.backdoor(), PROTOCOL_RPCI)) {
      ch.send(request.getBytes(StandardCharsets.ISO_8859_1));
      return ch.receive();
    }
  }

  /** What the guest library holds after a successful update: the session id and the stats. */
  private record Info(long sessionId, Map<Integer, Long> valid) {}

  /** vmGuestLib.c: "1 " stripped, then VMGuestLibDataV3 (packed) and the XDR statistics. */
  private static Info update(VirtualHost host) {
    byte[] reply = rpci(host, "guestlib.info.get 3");
    assertThat(new String(reply, 0, 2, StandardCharsets.ISO_8859_1)).isEqualTo("1 ");
    ByteBuffer b = ByteBuffer.wrap(reply, 2, reply.length - 2).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt()).as("hdr.version").isEqualTo(3);
    long session = b.getLong();
    int dataSize = b.getInt();
    assertThat(b.remaining()).as("dataSize").isEqualTo(dataSize);
    ByteBuffer x = b.slice().order(ByteOrder.BIG_ENDIAN);
    int count = x.getInt();
    Map<Integer, Long> valid = new HashMap<>();
    for (int id = 1; id <= count; id++) {
      assertThat(x.getInt()).as("statistic ids in order").isEqualTo(id);
      boolean isValid = x.getInt() != 0;
      long value;
      if (id == 18 || id == 37) { // a string or byte array: length and padded bytes
        int n = x.getInt();
        x.position(x.position() + (n + 3) / 4 * 4);
        continue;
      }
      boolean wide =
          id == 4 || id == 17 || id == 19 || id == 20 || (id >= 22 && id <= 30) || id == 38;
      value = wide ? x.getLong() : x.getInt() & 0xFFFF_FFFFL;
      if (isValid) {
        valid.put(id, value);
      }
    }
    assertThat(x.remaining()).isZero();
    return new Info(session, valid);
  }

  @Test
  void theGuestApiAnswersTheConfiguredValues() {
    VirtualHost host =
        VirtualHost.builder()
            .memoryMb(8192)
            .guestApi(GuestApiValues.parse("memBalloonedMB=512,memReservationMB=1024,sessionId=77"))
            .build();
    host.simulation().orElseThrow().advance(Duration.ofSeconds(90));
    Info info = update(host);
    assertThat(info.sessionId()).isEqualTo(77);
    assertThat(info.valid().get(12)).as("stat balloon: memBalloonedMB").isEqualTo(512);
    assertThat(info.valid().get(6)).as("stat memres: memReservationMB").isEqualTo(1024);
    assertThat(info.valid().get(7)).as("stat maxmem: unlimited").isEqualTo(0xFFFF_FFFFL);
    assertThat(info.valid().get(8)).as("memShares: 10 per MB").isEqualTo(81920);
    assertThat(info.valid().get(5)).as("hostMHz").isEqualTo(2400);
    assertThat(info.valid().get(17)).as("elapsedMs").isEqualTo(90_000);
    assertThat(info.valid()).doesNotContainKey(16); // memUsedMB: not reported
  }

  @Test
  void theSessionIdIsDrawnFromTheUuidByDefaultAndStable() {
    VirtualHost host = VirtualHost.builder().seed(9).build();
    long first = update(host).sessionId();
    assertThat(first).isNotZero();
    assertThat(update(host).sessionId()).isEqualTo(first);
    assertThat(update(VirtualHost.builder().seed(10).build()).sessionId()).isNotEqualTo(first);
  }

  @Test
  void anotherVersionIsAnsweredWithTheHighestTheHostSupports() {
    // vmGuestLib.c parses the host's version from the failure text ("v3 and onwards ...")
    assertThat(
            new String(
                rpci(VirtualHost.builder().build(), "guestlib.info.get 4"),
                StandardCharsets.ISO_8859_1))
        .isEqualTo("0 3");
  }

  @Test
  void statGetGivesTextAndJson() {
    VirtualHost host =
        VirtualHost.builder().guestApi(GuestApiValues.parse("memBalloonedMB=512")).build();
    assertThat(
            new String(
                rpci(host, "guestlib.stat.get text memBalloonedMB"), StandardCharsets.ISO_8859_1))
        .isEqualTo("1 memBalloonedMB 512\n");
    assertThat(
            new String(
                rpci(host, "guestlib.stat.get json memBalloonedMB"), StandardCharsets.ISO_8859_1))
        .isEqualTo("1 {\"memBalloonedMB\":512}");
    assertThat(new String(rpci(host, "guestlib.stat.get text "), StandardCharsets.ISO_8859_1))
        .startsWith("1 sessionId ")
        .contains("\nmemBalloonedMB 512\n");
    assertThat(new String(rpci(host, "guestlib.stat.get xml x"), StandardCharsets.ISO_8859_1))
        .isEqualTo("0 Unsupported encoding: xml");
  }

  @Test
  void aWorkstationHostHasNoGuestApi() {
    VirtualHost host = VirtualHost.builder().profile(HostProfile.WORKSTATION).build();
    // vmGuestLib.c: RPCI_UNKNOWN_COMMAND means VMGUESTLIB_ERROR_NOT_ENABLED, "VMware Guest API is
    // not enabled on the host"
    assertThat(new String(rpci(host, "guestlib.info.get 3"), StandardCharsets.ISO_8859_1))
        .isEqualTo("0 Unknown command");
  }

  @Test
  void theValuesReadBackAndRefuseUnknownNames() {
    GuestApiValues v = GuestApiValues.parse("memBalloonedMB=512,sessionId=7");
    assertThat(GuestApiValues.parse(v.format())).isEqualTo(v);
    assertThat(GuestApiValues.parse("defaults")).isEqualTo(GuestApiValues.DEFAULTS);
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> GuestApiValues.parse("balloon=1"))
        .withMessageStartingWith("no Guest API value is named balloon");
  }
}
