package io.github.vmbackdoor.rpc;

import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_OPEN;
import static io.github.vmbackdoor.core.BackdoorProtocol.MESSAGE_SENDSIZE;
import static io.github.vmbackdoor.core.BackdoorProtocol.PROTOCOL_RPCI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.vmbackdoor.core.MessageException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RpciClientTest {

  private final FakeHost host = new FakeHost();
  private final RpciClient client = RpciClient.create(host);

  @Test
  void oneRequestIsOneChannelOpenedAndClosed() {
    host.rpciHandler = request -> FakeHost.bytes("1 hello");
    RpciReply reply = client.send("machine.id.get");
    assertThat(reply).isEqualTo(RpciReply.success("hello"));
    assertThat(host.openChannels(PROTOCOL_RPCI)).isZero();
    assertThat(host.closes).isEqualTo(1);
  }

  @Test
  void requestsCarryATrailingNulByDefault() {
    client.log("hello");
    assertThat(host.rpciRawRequests.get(0))
        .isEqualTo("log hello\0".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void trailingNulCanBeTurnedOff() {
    RpciClient.create(host, RpciClient.Options.defaults().withTrailingNul(false)).log("x");
    assertThat(host.rpciRawRequests.get(0)).isEqualTo("log x".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void valuelessCapabilityKeepsTheSpaceAndHasNoNul() {
    client.capability("statechange");
    assertThat(host.rpciRawRequests.get(0))
        .isEqualTo("tools.capability.statechange ".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void typedRequestsUseTheExactStrings() {
    client.guestInfoGet("ip");
    client.guestInfoSet("ip", "10.0.0.2");
    client.capability("hgfs_server", "toolbox 1");
    client.features(Map.of(37, 1, 36, 0));
    client.stateChangeStatus(true, GuestOsState.SUSPEND);
    client.unifiedLoop("toolbox");
    client.setGuestInfo(RpciClient.GUEST_INFO_UPTIME, "1200");
    client.machineId();
    assertThat(host.rpciRequests)
        .containsExactly(
            "info-get guestinfo.ip",
            "info-set guestinfo.ip 10.0.0.2",
            "tools.capability.hgfs_server toolbox 1",
            "tools.capability.features 36=0 37=1",
            "tools.os.statechange.status 1 5",
            "vmx.capability.unified_loop toolbox",
            "SetGuestInfo  7 1200",
            "machine.id.get");
  }

  @Test
  void failureReplyIsAValueWithTheHostsText() {
    host.rpciHandler = request -> FakeHost.bytes("0 No value found");
    RpciReply reply = client.guestInfoGet("missing");
    assertThat(reply.isSuccess()).isFalse();
    assertThat(reply.text()).isEqualTo("No value found");
  }

  @Test
  void toolsVersionFallsBackToTheOldCommand() {
    host.rpciHandler =
        request ->
            new String(request, StandardCharsets.UTF_8).startsWith("tools.set.versiontype")
                ? FakeHost.bytes("0 Unknown command")
                : FakeHost.bytes("1 ");
    RpciReply reply = client.setToolsVersion(RpciClient.TOOLS_VERSION_UNMANAGED, 4);
    assertThat(reply.isSuccess()).isTrue();
    assertThat(host.rpciRequests)
        .containsExactly("tools.set.versiontype 2147483647 4", "tools.set.version 2147483647");
  }

  @Test
  void toolsVersionStopsWhenVersiontypeWorks() {
    client.setToolsVersion(RpciClient.TOOLS_VERSION_UNMANAGED, 4);
    assertThat(host.rpciRequests).containsExactly("tools.set.versiontype 2147483647 4");
  }

  @Test
  void emptyAnswerIsAProtocolErrorAndTheChannelIsClosed() {
    host.rpciHandler = request -> new byte[0];
    assertThatThrownBy(() -> client.send("x")).isInstanceOf(RpciProtocolException.class);
    assertThat(host.openChannels(PROTOCOL_RPCI)).isZero();
  }

  @Test
  void oneByteAnswerIsAProtocolError() {
    host.rpciHandler = request -> FakeHost.bytes("1");
    assertThatThrownBy(() -> client.send("x")).isInstanceOf(RpciProtocolException.class);
  }

  @Test
  void largeAnswerArrivesWholeOverBothPaths() {
    byte[] big = new byte[60_001];
    Arrays.fill(big, (byte) 'v');
    big[0] = '1';
    big[1] = ' ';
    host.rpciHandler = request -> big;
    assertThat(client.send("x").payload()).hasSize(59_999);
    host.hbOffered = false;
    assertThat(client.send("x").toBytes()).isEqualTo(big);
  }

  @Test
  void openFailureNamesTheStep() {
    host.failNext(PROTOCOL_RPCI, MESSAGE_OPEN, 0, 2);
    assertThatThrownBy(() -> client.send("x"))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> assertThat(e.step()).isEqualTo(MessageException.Step.OPEN));
  }

  @Test
  void sendFailureClosesTheChannelAndNamesTheStep() {
    host.failNext(PROTOCOL_RPCI, MESSAGE_SENDSIZE, 0, 1);
    assertThatThrownBy(() -> client.send("x"))
        .isInstanceOfSatisfying(
            MessageException.class,
            e -> assertThat(e.step()).isEqualTo(MessageException.Step.SENDSIZE));
    assertThat(host.openChannels(PROTOCOL_RPCI)).isZero();
  }

  @Test
  void checkpointWhileReceivingIsRetried() {
    host.rpciHandler = request -> FakeHost.bytes("1 ok");
    host.failNext(PROTOCOL_RPCI, FakeHost.HB_IN, FakeHost.CPT, 1);
    assertThat(client.stateChangeStatus(true, GuestOsState.SUSPEND))
        .isEqualTo(RpciReply.success("ok"));
  }

  @Test
  void namesWithSpacesAreRejected() {
    assertThatThrownBy(() -> client.guestInfoGet("a b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(host.rpciRequests).isEmpty();
  }
}
